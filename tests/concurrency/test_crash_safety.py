"""kill -9 in the middle of bulk issuance, and rebuilding the published status lists from the database.

16 clients issue batches without pause. One worker is killed (gunicorn's
master replaces it), then the whole server, master and workers at once (a
crashed host); it is started again on the same database and the clients
carry on. Afterwards every acknowledged credential is there with the
positions it was told, no index was given out twice (also by issuance after
the restart), and `skillpass issuer rebuild-status` puts back bits that were
damaged in the database, after which every worker serves the right list.

Also: several workers starting together on an EMPTY database create the
schema exactly once (the migration lock).
"""

from __future__ import annotations

import collections
import subprocess
import sys
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from concurrency_helpers import (
    REQUEST_TIMEOUT,
    WORKERS,
    create_provider,
    fetch_list,
    issue_request,
    issuer_environment,
    migrated_engine,
    positions,
    report,
    run_clients,
    start_issuer,
)
from issuer.models import Credential, Provider, StatusIndex, StatusList
from issuer.statuslists import LIST_SIZE
from skillpass import migrations
from skillpass.db import make_engine, read_session, write_transaction
from vc import status_list

pytestmark = pytest.mark.concurrency

CLIENTS = 16
BATCH = 20
#: Credentials the clients try to issue in all (the run ends there, or at its deadline).
BUDGET = 4_000
#: Requests that may fail (killed, or sent while the server is down) before the clients give up.
MAX_FAILED_REQUESTS = 2_000
KILL_ONE_WORKER_AT = 800
KILL_EVERYTHING_AT = 1_600
REVOKED = 24
DAMAGED_SUSPENSION_BITS = 37


def _duplicates(session, provider_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.execute(
        select(func.count()).select_from(
            select(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index)
            .where(StatusIndex.provider_id == provider_id)
            .group_by(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index)
            .having(func.count() > 1).subquery()
        )
    ).scalar_one()


def test_kill_9_during_bulk_issuance_then_rebuild_the_status_lists(database_url, servers, tmp_path):
    engine = migrated_engine("issuer", database_url)
    try:
        server = start_issuer(servers, database_url, tmp_path)
        provider = create_provider(server.url, "crash-roc")
        with read_session(engine) as session:
            provider_id = session.execute(select(Provider.id).where(Provider.slug == provider.slug)).scalar_one()

        lock = threading.Lock()
        acknowledged: dict[str, dict[str, tuple[int, int]]] = {}
        attempted = [0]
        failed = collections.Counter()
        deadline = time.monotonic() + 240

        def client(i: int) -> None:
            http = requests.Session()
            number = i * 100_000
            while time.monotonic() < deadline:
                with lock:
                    if attempted[0] >= BUDGET:
                        return
                    attempted[0] += BATCH
                body = {"items": [issue_request(number + n) for n in range(BATCH)]}
                number += BATCH
                try:
                    r = http.post(f"{server.url}/providers/{provider.slug}/credentials/batch", json=body,
                                  headers=provider.headers, timeout=REQUEST_TIMEOUT)
                except requests.RequestException:
                    with lock:
                        failed["connection"] += 1
                        failed[phase[0]] += 1
                        attempted[0] -= BATCH  # not issued (as far as the client knows): try again
                        if failed["connection"] >= MAX_FAILED_REQUESTS:
                            return
                    http = requests.Session()
                    time.sleep(0.2)  # the server may be down: do not spin
                    continue
                if r.status_code != 200:
                    with lock:
                        failed[f"http_{r.status_code}"] += 1
                    continue
                with lock:
                    for item in r.json()["results"]:
                        acknowledged[item["result"]["id"]] = positions(item["result"])

        def crasher() -> None:
            """kill -9 one worker, later the whole server; then start it again on the same database."""
            while time.monotonic() < deadline and len(acknowledged) < KILL_ONE_WORKER_AT:
                time.sleep(0.05)
            killed["worker"] = server.kill_worker()
            phase[0] = "after_worker_kill"
            while time.monotonic() < deadline and len(acknowledged) < KILL_EVERYTHING_AT:
                time.sleep(0.05)
            killed["acknowledged_before_server_kill"] = len(acknowledged)
            phase[0] = "while_server_down"
            server.kill_all()
            time.sleep(1.0)
            server.start()
            phase[0] = "after_restart"

        killed: dict[str, int] = {}
        phase = ["before_kills"]
        crash_thread = threading.Thread(target=crasher, daemon=True)
        crash_thread.start()
        started = time.monotonic()
        errors = run_clients(CLIENTS, client, deadline=deadline + 30)
        crash_thread.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
        elapsed = time.monotonic() - started
        assert errors == [] and not crash_thread.is_alive(), (errors, server.log())
        assert "worker" in killed and "acknowledged_before_server_kill" in killed
        assert failed["connection"] >= 1  # requests were in flight when the server died
        assert not [k for k in failed if k.startswith("http_")], failed  # killed requests fail; no other kind of failure
        assert len(acknowledged) == BUDGET  # every batch was issued in the end (retried after a failure)
        assert len(acknowledged) > killed["acknowledged_before_server_kill"]  # issuance resumed after the restart

        with read_session(engine) as session:
            rows = {
                cid: {"revocation": (rl, ri), "suspension": (sl, si)}
                for cid, rl, ri, sl, si in session.execute(
                    select(Credential.credential_id, Credential.revocation_list, Credential.revocation_index,
                           Credential.suspension_list, Credential.suspension_index)
                    .where(Credential.provider_id == provider_id)
                )
            }
            allocated = session.execute(
                select(func.count()).select_from(StatusIndex)
                .where(StatusIndex.provider_id == provider_id, StatusIndex.purpose == "revocation")
            ).scalar_one()
            duplicates = _duplicates(session, provider_id)
        # every acknowledged credential is there, with the positions its answer gave
        assert {cid: rows.get(cid) for cid in acknowledged} == acknowledged
        # no index given out twice
        assert duplicates == 0
        for purpose in ("revocation", "suspension"):
            assert len({row[purpose] for row in rows.values()}) == len(rows)
        unacknowledged = len(rows) - len(acknowledged)  # committed, but the answer died with the server
        orphaned = allocated - len(rows)  # allocated by a request killed before it recorded (never reused)

        # after the restart: revoke some over HTTP; the lists show it
        revoked = sorted(acknowledged)[:REVOKED]
        http = requests.Session()
        for cid in revoked:
            r = http.post(f"{server.url}/providers/{provider.slug}/credentials/{cid}/revoke", json={"reason": "crash test"},
                          headers=provider.headers, timeout=REQUEST_TIMEOUT)
            assert r.status_code == 200, r.text
        want = {purpose: status_list.StatusList.new(LIST_SIZE) for purpose in ("revocation", "suspension")}
        for cid in revoked:
            want["revocation"].set(acknowledged[cid]["revocation"][1], 1)
        for _ in range(2 * WORKERS):  # every worker signs and caches the right lists
            for purpose in ("revocation", "suspension"):
                assert fetch_list(server.url, provider.slug, purpose, 1) == want[purpose]

        # damage in the database, without a version bump (a bad restore, a manual edit): bits, and the used map
        with write_transaction(engine) as session:
            lists = {row.purpose: row for row in session.execute(
                select(StatusList).where(StatusList.provider_id == provider_id, StatusList.number == 1).with_for_update()
            ).scalars()}
            lists["revocation"].bits = bytes(LIST_SIZE // 8)  # the revocations lost
            noise = status_list.StatusList.from_bytes(lists["suspension"].bits)
            for index in range(0, DAMAGED_SUSPENSION_BITS * 1_009, 1_009):
                noise.set(index, 1)  # suspensions nobody made
            lists["suspension"].bits = noise.to_bytes()
            lists["revocation"].used = bytes(LIST_SIZE // 8)  # and the revocation list forgot what it gave out
            versions = {purpose: row.version for purpose, row in lists.items()}

        rebuilt = subprocess.run(
            [sys.executable, "-m", "skillpass.cli", "issuer", "rebuild-status", "--provider", provider.slug],
            env=issuer_environment(database_url, server.url), capture_output=True, text=True, timeout=REQUEST_TIMEOUT,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert f"{provider.slug} revocation/1: {REVOKED} bit(s) corrected, {allocated} index(es) marked used" in rebuilt.stdout
        assert f"{provider.slug} suspension/1: {DAMAGED_SUSPENSION_BITS} bit(s) corrected, 0 index(es) marked used" in rebuilt.stdout
        with read_session(engine) as session:
            after = {row.purpose: row for row in session.execute(
                select(StatusList).where(StatusList.provider_id == provider_id, StatusList.number == 1)).scalars()}
        assert {p: after[p].version for p in after} == {p: v + 1 for p, v in versions.items()}  # re-published
        assert after["revocation"].bits == want["revocation"].to_bytes()
        assert after["suspension"].bits == want["suspension"].to_bytes()
        assert int.from_bytes(after["revocation"].used, "big").bit_count() == allocated == after["revocation"].allocated
        # every worker serves the restored lists (its cached copy was signed before the damage, or from it)
        for _ in range(3 * WORKERS):
            for purpose in ("revocation", "suspension"):
                assert fetch_list(server.url, provider.slug, purpose, 1) == want[purpose]

        # issuance goes on after all this without giving any index out twice
        r = http.post(f"{server.url}/providers/{provider.slug}/credentials/batch", headers=provider.headers,
                      json={"items": [issue_request(n) for n in range(200)]}, timeout=REQUEST_TIMEOUT)
        assert r.status_code == 200 and r.json()["issued"] == 200, r.text
        with read_session(engine) as session:
            assert _duplicates(session, provider_id) == 0
            positions_now = session.execute(
                select(Credential.revocation_list, Credential.revocation_index).where(Credential.provider_id == provider_id)
            ).all()
        assert len(set(positions_now)) == len(positions_now) == len(rows) + 200

        report("crash_kill_9", backend=engine.dialect.name, clients=CLIENTS, attempted=attempted[0],
               acknowledged=len(acknowledged), acknowledged_before_server_kill=killed["acknowledged_before_server_kill"],
               failed_requests=failed["connection"], failed_after_worker_kill=failed["after_worker_kill"],
               failed_while_server_down=failed["while_server_down"], committed_unacknowledged=unacknowledged,
               orphaned_indices=orphaned, duplicate_indices=duplicates, revoked_after_restart=REVOKED,
               bits_restored=REVOKED + DAMAGED_SUSPENSION_BITS, used_marks_restored=allocated,
               seconds=round(elapsed, 1))
    finally:
        engine.dispose()


def test_workers_starting_together_on_an_empty_database_create_it_once(database_url, servers, tmp_path):
    server = start_issuer(servers, database_url, tmp_path)  # no `skillpass db upgrade` first
    engine = make_engine(database_url)
    try:
        assert migrations.current_revision(engine) == migrations.head_revision("issuer")
        provider = create_provider(server.url, "fresh-roc")
        r = requests.post(f"{server.url}/providers/{provider.slug}/credentials", json=issue_request(0),
                          headers=provider.headers, timeout=REQUEST_TIMEOUT)
        assert r.status_code == 201, r.text
        assert "Traceback" not in server.log()
    finally:
        engine.dispose()
