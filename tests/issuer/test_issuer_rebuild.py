"""`skillpass issuer rebuild-status`: the published lists recomputed from the credential states.

(The same under gunicorn, after kill -9 and damage in the database: tests/concurrency/test_crash_safety.py.)
"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from issuer.cli import group
from issuer.models import StatusList
from issuer_helpers import micro_request
from skillpass.db import read_session, write_transaction
from vc import status_list


def _run(app, *args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(group, ["rebuild-status", *args], obj=app, catch_exceptions=False)


def _issue(client, provider, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": [micro_request() for _ in range(count)]}, headers=provider.headers)
    assert r.status_code == 200 and r.json["issued"] == count, r.json
    return [item["result"] for item in r.json["results"]]


def _index(issued: dict, purpose: str) -> int:
    return next(int(e["statusListIndex"]) for e in issued["status"] if e["statusPurpose"] == purpose)


def _served(client, purpose: str, number: int = 1) -> status_list.StatusList:  # type: ignore[no-untyped-def]
    import jwt

    r = client.get(f"/providers/demo-roc/status/{purpose}/{number}")
    assert r.status_code == 200
    return status_list.StatusList.decode(jwt.decode(r.get_data(as_text=True), options={"verify_signature": False})["credentialSubject"]["encodedList"])


def _change(client, provider, issued, action):  # type: ignore[no-untyped-def]
    r = client.post(f"/providers/demo-roc/credentials/{issued['id']}/{action}", json={"reason": "test"}, headers=provider.headers)
    assert r.status_code == 200, r.json


def _lists(app) -> dict[tuple[str, int], StatusList]:  # type: ignore[no-untyped-def]
    with read_session(app.extensions["issuer"].engine) as session:
        return {(r.purpose, r.number): r for r in session.execute(select(StatusList)).scalars()}


def test_revoking_a_suspended_credential_clears_its_suspension_bit(client, provider):
    [issued] = _issue(client, provider, 1)
    _change(client, provider, issued, "suspend")
    assert _served(client, "suspension").get(_index(issued, "suspension")) == 1
    _change(client, provider, issued, "revoke")
    assert _served(client, "revocation").get(_index(issued, "revocation")) == 1
    assert _served(client, "suspension").get(_index(issued, "suspension")) == 0  # the lists say what the state says


def test_rebuild_restores_damaged_bits_and_every_cache_follows(app, client, provider):
    issued = _issue(client, provider, 6)
    _change(client, provider, issued[0], "revoke")
    _change(client, provider, issued[1], "suspend")
    _change(client, provider, issued[2], "suspend")
    _change(client, provider, issued[2], "revoke")
    _change(client, provider, issued[3], "suspend")
    _change(client, provider, issued[3], "reinstate")
    good = {purpose: _served(client, purpose) for purpose in ("revocation", "suspension")}
    assert _run(app).exit_code == 0  # nothing to correct on a healthy database
    assert "0 bit(s) corrected" in _run(app).output

    before = _lists(app)
    with write_transaction(app.extensions["issuer"].engine) as session:  # damage, version unchanged
        for row in session.execute(select(StatusList).where(StatusList.number == 1)).scalars():
            bits = status_list.StatusList.from_bytes(row.bits)
            bits.set(_index(issued[0], row.purpose), 1 - bits.get(_index(issued[0], row.purpose)))
            bits.set(_index(issued[5], row.purpose), 1)
            row.bits = bits.to_bytes()
            if row.purpose == "revocation":
                row.used = bytes(len(row.used))
    assert _served(client, "revocation") == good["revocation"]  # this process still serves its cached copy

    r = _run(app, "--provider", "demo-roc")
    assert r.exit_code == 0, r.output
    assert "demo-roc revocation/1: 2 bit(s) corrected, 6 index(es) marked used" in r.output
    assert "demo-roc suspension/1: 2 bit(s) corrected, 0 index(es) marked used" in r.output
    after = _lists(app)
    for key in before:
        assert after[key].version == before[key].version + 1
    assert after[("revocation", 1)].allocated == 6 == int.from_bytes(after[("revocation", 1)].used, "big").bit_count()
    for purpose in ("revocation", "suspension"):
        assert _served(client, purpose) == good[purpose]  # re-signed from the restored bits
    assert good["suspension"].get(_index(issued[1], "suspension")) == 1 and good["revocation"].count_set() == 2


def test_rebuild_after_restoring_an_older_backup_starts_new_lists(app, client, provider):
    _issue(client, provider, 3)
    r = _run(app, "--provider", "demo-roc", "--start-new-lists")
    assert r.exit_code == 0, r.output
    assert "demo-roc revocation/2: new list, issuance continues here" in r.output
    assert sorted(_lists(app)) == [("revocation", 1), ("revocation", 2), ("suspension", 1), ("suspension", 2)]
    [issued] = _issue(client, provider, 1)
    assert {e["statusListCredential"].rsplit("/", 1)[1] for e in issued["status"]} == {"2"}
    assert _served(client, "revocation", 2).count_set() == 0


def test_rebuild_of_an_unknown_provider_fails_clearly(app):
    r = CliRunner().invoke(group, ["rebuild-status", "--provider", "nobody"], obj=app)
    assert r.exit_code == 1 and "not_found" in r.output and "nobody" in r.output
