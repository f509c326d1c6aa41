"""Selective disclosure end to end: an SD-JWT VC over real HTTP between three real servers.

Issuer, wallet and verifier each run as their own werkzeug server on
127.0.0.1 (port 0, a thread each) with their own SQLite database; they reach
each other only over HTTP, the guarded fetcher allowing exactly these hosts.

The provider issues a dc+sd-jwt microcredential with the learner's name and
birth date -> the citizen imports it (verified, bound to her key) -> she shares
it revealing only the skills -> the employer verifies the link and sees the
skills, the level and the provider, verified, and neither the name nor the
birth date: not in the report, and not anywhere in the bytes the share link
yields -> the provider revokes, and the Token Status List says so, as does
the Bitstring list -> the employer sees it revoked.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from e2e_helpers import Server, start_system, stop_system

from vc import jose, keys, status_list, token_status_list

ADMIN_TOKEN = "sd-e2e-admin-" + "b" * 32
NAME = "Fatima el Idrissi"
BIRTH_DATE = "1987-11-23"
SKILLS = ["credentialSubject", "achievement", "alignment", None]


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, Server]]:
    servers = start_system(tmp_path, admin_token=ADMIN_TOKEN, slug="roc-sd", name={"nl": "ROC Selectief", "en": "ROC Selective"})
    yield servers
    stop_system(servers)


def _subject() -> dict[str, Any]:
    document = json.loads((files("skillpass_schemas") / "examples" / "microcredential-roc-veilig-werken-met-warmtepompen.json").read_text(encoding="utf-8"))
    subject = dict(document["credentialSubject"])
    subject.pop("id", None)
    subject["identifier"] = [{"type": "IdentityObject", "hashed": False, "identityHash": NAME, "identityType": "name"}]
    subject["birthDate"] = BIRTH_DATE
    return subject


def _every_reading(raw: bytes) -> str:
    """The bytes as text, plus every base64url segment in them decoded: where a hidden value could hide."""
    text = raw.decode("utf-8")
    readings = [text]
    for segment in re.findall(r"[A-Za-z0-9_-]{8,}", text):
        for candidate in (segment, segment[: len(segment) - len(segment) % 4]):
            try:
                readings.append(keys.b64url_decode(candidate).decode("utf-8", "ignore"))
                break
            except Exception:  # noqa: BLE001 - not base64url: nothing hidden in it
                continue
    return "\n".join(readings)


def test_a_share_that_hides_name_and_birth_date(system: dict[str, Server]) -> None:
    issuer, wallet, verifier = (system[n].url for n in ("issuer", "wallet", "verifier"))
    http = requests.Session()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    # A provider with an API key.
    assert http.post(f"{issuer}/admin/providers", headers=admin, timeout=30, json={
        "slug": "roc-sd", "name": {"nl": "ROC Selectief", "en": "ROC Selective"}, "country": "NL"}).status_code == 201
    api = {"Authorization": "Bearer " + http.post(f"{issuer}/admin/providers/roc-sd/api-keys", headers=admin, json={"label": "e2e"}, timeout=30).json()["key"]}

    # A citizen with a wallet.
    registered = http.post(f"{wallet}/auth/register", timeout=30, json={"email": "fatima@example.nl", "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    citizen = {"Authorization": f"Bearer {registered.json()['token']}"}
    holder = http.get(f"{wallet}/me", headers=citizen, timeout=30).json()["did"]

    # The provider issues an SD-JWT VC to her; she imports it (verified over HTTP, bound to her key).
    issued = http.post(f"{issuer}/providers/roc-sd/credentials", headers=api, timeout=30, json={
        "type": "microcredential", "format": "dc+sd-jwt", "holder": holder, "subject": _subject()})
    assert issued.status_code == 201, issued.text
    assert issued.json()["format"] == "dc+sd-jwt"
    imported = http.post(f"{wallet}/credentials", headers=citizen, json={"credential": issued.json()["credential"]}, timeout=60)
    assert imported.status_code == 201, imported.text
    assert imported.json()["status"] == "valid" and imported.json()["trusted"] is True
    credential_id = imported.json()["id"]

    # She sees what she can hide.
    detail = http.get(f"{wallet}/credentials/{credential_id}", headers=citizen, timeout=30).json()
    hideable = {tuple(d["path"]) for d in detail["disclosable"]}
    assert {("credentialSubject", "identifier"), ("credentialSubject", "birthDate"), ("credentialSubject", "id")} <= hideable

    # She shares the skills only.
    share = http.post(f"{wallet}/shares", headers=citizen, timeout=30, json={
        "credential_ids": [credential_id], "disclose": {credential_id: [SKILLS]}, "purpose": "sollicitatie monteur"})
    assert share.status_code == 201, share.text
    share_url = share.json()["url"]

    # The employer verifies the link: skills, level and provider; verified; no name, no birth date.
    response = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True, report
    assert report["format"] == "dc+sd-jwt"
    [inner] = report["credentials"]
    assert inner["trust"]["name"]["nl"] == "ROC Selectief"
    subject = inner["claims"]["credentialSubject"]
    assert set(subject) == {"type", "achievement"}
    achievement = subject["achievement"]
    assert len(achievement["alignment"]) == 3  # the skills
    assert achievement["eqfLevel"] == 3 and achievement["nlqfLevel"] == 3  # the level
    assert achievement["creator"]["name"] == "ROC West"  # the provider, as the credential names it
    assert [s["label"] for s in inner["summary"]["nl"]["skills"]][:1] == ["install heat pump"]
    assert inner["summary"]["en"]["holder"] == {"id": None, "name": None}
    hidden = {tuple(h["path"]): h["digests"] for h in inner["disclosures"]["hidden"]}
    assert hidden[("credentialSubject",)] >= 7  # hidden claims and decoys: counted, never named
    assert NAME not in response.text and BIRTH_DATE not in response.text and holder not in response.text

    # The raw bytes a verifier receives from the link: nothing hidden is in them, in any reading.
    raw = http.get(share_url, params={"nonce": "raw-nonce-1", "audience": verifier}, timeout=30)
    assert raw.status_code == 200 and raw.headers["Content-Type"] == "application/dc+sd-jwt"
    readings = _every_reading(raw.content)
    for secret in (NAME, BIRTH_DATE, holder, "identityHash", "birthDate"):
        assert secret not in readings, secret
    assert "install heat pump" in readings  # the decoding does find what was disclosed
    # and those bytes verify as they are
    direct = http.post(f"{verifier}/verify", timeout=60, json={"presentation": raw.text, "nonce": "raw-nonce-1", "audience": verifier}).json()
    assert direct["verified"] is True, direct

    # The provider revokes: the Token Status List and the Bitstring list both say so.
    reference = issued.json()["status"]["status_list"]
    credential_record = http.get(f"{issuer}/providers/roc-sd/credentials/{issued.json()['id']}", headers=api, timeout=30).json()
    revoked = http.post(f"{issuer}/providers/roc-sd/credentials/{issued.json()['id']}/revoke", headers=api, json={"reason": "fraude bij examen"}, timeout=30)
    assert revoked.status_code == 200, revoked.text
    token = http.get(reference["uri"], timeout=30)
    assert token.headers["Content-Type"] == "application/statuslist+jwt"
    payload = jose.decode_jws(token.text).payload
    assert payload["sub"] == reference["uri"]
    assert token_status_list.TokenStatusList.from_json(payload["status_list"]).get(reference["idx"]) == token_status_list.INVALID
    entry = next(status_list.parse_status_entry(e) for e in credential_record["status"] if e["statusPurpose"] == "revocation")
    bitstring = jose.decode_jws(http.get(entry.list_url, timeout=30).text).payload
    assert status_list.decoded_list(bitstring, list_url=entry.list_url, purpose="revocation", expected_issuer=bitstring["issuer"]).get(entry.index) == 1

    # The employer sees it revoked.
    report = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60).json()
    assert report["verified"] is False
    [inner] = report["credentials"]
    check = next(c for c in inner["checks"] if c["check"] == "status.status_list")
    assert (check["status"], check["code"]) == ("failed", "revoked")
    assert inner["status"]["revocation"] == "revoked"

    # Three views in her log, each for this verifier.
    views = http.get(f"{wallet}/shares/{share.json()['id']}/views", headers=citizen, timeout=30).json()["items"]
    assert len(views) == 3 and {v["audience"] for v in views} == {verifier}


def test_a_mixed_share_over_http(system: dict[str, Server]) -> None:
    """A vc+jwt and an SD-JWT VC in one link: a vp_token bundle, verified whole, the SD-JWT still selective."""
    issuer, wallet, verifier = (system[n].url for n in ("issuer", "wallet", "verifier"))
    http = requests.Session()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert http.post(f"{issuer}/admin/providers", headers=admin, timeout=30, json={
        "slug": "roc-sd", "name": {"nl": "ROC Selectief", "en": "ROC Selective"}, "country": "NL"}).status_code == 201
    api = {"Authorization": "Bearer " + http.post(f"{issuer}/admin/providers/roc-sd/api-keys", headers=admin, json={"label": "e2e"}, timeout=30).json()["key"]}
    registered = http.post(f"{wallet}/auth/register", timeout=30, json={"email": "kees@example.nl", "password": "correct horse battery"})
    citizen = {"Authorization": f"Bearer {registered.json()['token']}"}
    holder = http.get(f"{wallet}/me", headers=citizen, timeout=30).json()["did"]
    ids = []
    for fmt in ("vc+jwt", "dc+sd-jwt"):
        issued = http.post(f"{issuer}/providers/roc-sd/credentials", headers=api, timeout=30, json={
            "type": "microcredential", "format": fmt, "holder": holder, "subject": _subject()})
        assert issued.status_code == 201, issued.text
        kept = http.post(f"{wallet}/credentials", headers=citizen, json={"credential": issued.json()["credential"]}, timeout=60)
        assert kept.status_code == 201, kept.text
        ids.append(kept.json()["id"])
    share = http.post(f"{wallet}/shares", headers=citizen, timeout=30, json={"credential_ids": ids, "disclose": {ids[1]: [SKILLS]}})
    assert share.status_code == 201, share.text

    report = http.post(f"{verifier}/verify", json={"share_url": share.json()["url"]}, timeout=60).json()
    assert report["verified"] is True, report
    assert report["format"] == "vp_token" and [c["format"] for c in report["credentials"]] == ["vc+jwt", "dc+sd-jwt"]
    assert report["holder"] == holder
    assert "birthDate" in report["credentials"][0]["claims"]["credentialSubject"]  # the vc+jwt is shared whole, as she chose
    assert set(report["credentials"][1]["claims"]["credentialSubject"]) == {"type", "achievement"}
