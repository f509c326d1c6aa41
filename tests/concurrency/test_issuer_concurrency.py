"""The issuer under gunicorn (4 workers x 2 threads), 16 concurrent clients over real HTTP.

- 5,000 credentials into one provider (batches and single issuance): every
  acknowledged credential has its row, every status index is unique (and the
  database refuses a duplicate), the full list rolls over into exactly one
  new list per purpose.
- 200 concurrent revoke / suspend / reinstate calls on credentials of one
  list: every acknowledged change is in the next published list, whichever
  worker serves it (no lost update, no stale per-process cache).
- One Idempotency-Key used by 16 clients at once: one credential; the
  others get that same credential, or 422 if they sent another body.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import random
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import requests
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

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
from issuer.models import Credential, IdempotencyRecord, Provider, StatusIndex, StatusList
from issuer.statuslists import LIST_SIZE
from skillpass.db import read_session, write_transaction
from vc import status_list

pytestmark = pytest.mark.concurrency

CLIENTS = 16
TOTAL = 5_000
SINGLES = 200
BATCH = 50
#: Free indices left in list 1 before the run: the run must roll over into list 2.
FREE_IN_FIRST_LIST = 300


def _provider_id(engine: Any, slug: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(Provider.id).where(Provider.slug == slug)).scalar_one()


def _prefill_first_lists(engine: Any, provider_id: int, free: int) -> dict[str, set[int]]:
    """Mark every index of each purpose's list 1 used but `free` random ones (as if 130,772 were issued)."""
    rng = random.Random(7)
    left: dict[str, set[int]] = {}
    with write_transaction(engine) as session:
        for row in session.execute(select(StatusList).where(StatusList.provider_id == provider_id).with_for_update()).scalars():
            assert (row.number, row.allocated) == (1, 0)
            free_indices = set(rng.sample(range(row.size), free))
            used = bytearray(b"\xff" * (row.size // 8))
            for i in free_indices:
                used[i >> 3] &= ~(0x80 >> (i & 7)) & 0xFF
            row.used, row.allocated = bytes(used), row.size - free
            session.add(row)
            left[row.purpose] = free_indices
    return left


def test_16_clients_issue_5000_credentials_into_one_provider(database_url, servers, tmp_path):
    engine = migrated_engine("issuer", database_url)
    try:
        server = start_issuer(servers, database_url, tmp_path)
        provider = create_provider(server.url, "load-roc")
        provider_id = _provider_id(engine, provider.slug)
        free = _prefill_first_lists(engine, provider_id, FREE_IN_FIRST_LIST)

        # the work: batches of 50 for most, single issuance for SINGLES of them, shuffled over the clients
        tasks: list[tuple[str, int]] = [("batch", n) for n in range(0, TOTAL - SINGLES, BATCH)]
        tasks += [("single", n) for n in range(TOTAL - SINGLES, TOTAL)]
        random.Random(1).shuffle(tasks)
        pending = collections.deque(tasks)
        lock = threading.Lock()
        acknowledged: dict[str, dict[str, tuple[int, int]]] = {}
        failures: list[str] = []
        requests_made = collections.Counter()
        deadline = time.monotonic() + 240

        def client(_: int) -> None:
            http = requests.Session()
            while time.monotonic() < deadline:
                with lock:
                    if not pending:
                        return
                    kind, start = pending.popleft()
                if kind == "batch":
                    body = {"items": [issue_request(n) for n in range(start, start + BATCH)]}
                    r = http.post(f"{server.url}/providers/{provider.slug}/credentials/batch", json=body,
                                  headers=provider.headers, timeout=REQUEST_TIMEOUT)
                    if r.status_code != 200 or r.json()["issued"] != BATCH:
                        failures.append(f"batch {r.status_code} {r.text[:300]}")
                        continue
                    issued = [item["result"] for item in r.json()["results"]]
                else:
                    r = http.post(f"{server.url}/providers/{provider.slug}/credentials", json=issue_request(start),
                                  headers=provider.headers, timeout=REQUEST_TIMEOUT)
                    if r.status_code != 201:
                        failures.append(f"single {r.status_code} {r.text[:300]}")
                        continue
                    issued = [r.json()]
                with lock:
                    requests_made[kind] += 1
                    for item in issued:
                        acknowledged[item["id"]] = positions(item)

        started = time.monotonic()
        errors = run_clients(CLIENTS, client, deadline=deadline + 30)
        elapsed = time.monotonic() - started
        assert errors == [] and failures == [], (errors, failures[:5], server.log())
        assert len(acknowledged) == TOTAL and not pending

        with read_session(engine) as session:
            rows = {
                cid: {"revocation": (rl, ri), "suspension": (sl, si)}
                for cid, rl, ri, sl, si in session.execute(
                    select(Credential.credential_id, Credential.revocation_list, Credential.revocation_index,
                           Credential.suspension_list, Credential.suspension_index)
                    .where(Credential.provider_id == provider_id)
                )
            }
            duplicate_indices = session.execute(
                select(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index, func.count())
                .where(StatusIndex.provider_id == provider_id)
                .group_by(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index)
                .having(func.count() > 1)
            ).all()
            allocations = dict(session.execute(
                select(StatusIndex.purpose, func.count()).where(StatusIndex.provider_id == provider_id).group_by(StatusIndex.purpose)
            ).all())
            lists = {
                (row.purpose, row.number): row
                for row in session.execute(select(StatusList).where(StatusList.provider_id == provider_id)).scalars()
            }

        # every acknowledged credential has its row, with the positions it was told
        assert rows == acknowledged
        # every status index unique: in the credentials, and in the allocation record
        for purpose in ("revocation", "suspension"):
            assert len({row[purpose] for row in rows.values()}) == TOTAL
        assert duplicate_indices == [] and allocations == {"revocation": TOTAL, "suspension": TOTAL}
        # roll-over: list 1 filled exactly (its free indices, each once), exactly one list 2 per purpose
        assert sorted(lists) == [("revocation", 1), ("revocation", 2), ("suspension", 1), ("suspension", 2)]
        per_list = collections.Counter((purpose, row[purpose][0]) for row in rows.values() for purpose in row)
        for purpose in ("revocation", "suspension"):
            in_first = {row[purpose][1] for row in rows.values() if row[purpose][0] == 1}
            assert in_first == free[purpose]  # nothing pre-marked used was given out again
            assert lists[(purpose, 1)].allocated == LIST_SIZE and lists[(purpose, 1)].used == b"\xff" * (LIST_SIZE // 8)
            assert lists[(purpose, 2)].allocated == TOTAL - FREE_IN_FIRST_LIST == per_list[(purpose, 2)]
            assert int.from_bytes(lists[(purpose, 2)].used, "big").bit_count() == TOTAL - FREE_IN_FIRST_LIST
            # allocation alone publishes nothing: every bit of both lists is 0
            assert fetch_list(server.url, provider.slug, purpose, 2).count_set() == 0

        # the database itself refuses a second use of an index (not only the code)
        some_id, some = next(iter(rows.items()))
        with pytest.raises(IntegrityError):
            with write_transaction(engine) as session:
                session.execute(insert(StatusIndex).values(
                    provider_id=provider_id, purpose="revocation", list_number=some["revocation"][0],
                    index=some["revocation"][1], credential_id="urn:uuid:duplicate"))
        with pytest.raises(IntegrityError):
            with write_transaction(engine) as session:
                original = session.execute(select(Credential).where(Credential.credential_id == some_id)).scalar_one()
                copy = {c.name: getattr(original, c.name) for c in Credential.__table__.columns if c.name != "id"}
                session.execute(insert(Credential).values(**{**copy, "credential_id": "urn:uuid:duplicate",
                                                             "suspension_index": (original.suspension_index + 1) % LIST_SIZE}))
        report("issue_5000", backend=engine.dialect.name, clients=CLIENTS, credentials=len(acknowledged),
               batch_requests=requests_made["batch"], single_requests=requests_made["single"],
               in_list_1=per_list[("revocation", 1)], in_list_2=per_list[("revocation", 2)],
               lists_per_purpose=2, duplicate_indices=len(duplicate_indices), seconds=round(elapsed, 1))
    finally:
        engine.dispose()


# --- state changes -----------------------------------------------------------------


CHANGES = 200
PER_CLIENT = 4  # credentials each client owns: 64 in all, on one list


def _next_action(rng: random.Random, state: str) -> str:
    """Mostly a change the state allows, sometimes one it refuses (409)."""
    allowed = {"active": ["suspend"] * 3 + ["revoke"], "suspended": ["reinstate"] * 3 + ["revoke"], "revoked": []}[state]
    if allowed and rng.random() < 0.85:
        return rng.choice(allowed)
    return rng.choice(["revoke", "suspend", "reinstate"])


REFUSAL = {"revoked": "revoked", "suspend": "already_suspended", "reinstate": "not_suspended"}


def test_200_concurrent_state_changes_are_all_in_the_next_published_list(database_url, servers, tmp_path):
    engine = migrated_engine("issuer", database_url)
    try:
        server = start_issuer(servers, database_url, tmp_path)
        provider = create_provider(server.url, "status-roc")
        r = requests.post(f"{server.url}/providers/{provider.slug}/credentials/batch", headers=provider.headers,
                          json={"items": [issue_request(n) for n in range(CLIENTS * PER_CLIENT)]}, timeout=REQUEST_TIMEOUT)
        assert r.status_code == 200 and r.json()["issued"] == CLIENTS * PER_CLIENT, r.text
        credentials = [(item["result"]["id"], positions(item["result"])) for item in r.json()["results"]]
        assert {p[purpose][0] for _, p in credentials for purpose in p} == {1}  # all on list 1

        # every worker has signed and cached both lists before the changes
        for _ in range(3 * WORKERS):
            for purpose in ("revocation", "suspension"):
                assert fetch_list(server.url, provider.slug, purpose, 1).count_set() == 0

        expected: dict[str, str] = {cid: "active" for cid, _ in credentials}
        counter = itertools.count()
        outcomes: collections.Counter[str] = collections.Counter()
        stale: list[str] = []
        failures: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + 180

        def client(i: int) -> None:
            rng = random.Random(i)
            mine = credentials[i * PER_CLIENT:(i + 1) * PER_CLIENT]
            http = requests.Session()
            while time.monotonic() < deadline and next(counter) < CHANGES:
                live = [c for c in mine if expected[c[0]] != "revoked"] or mine
                cid, where = rng.choice(live)
                action = _next_action(rng, expected[cid])
                r = http.post(f"{server.url}/providers/{provider.slug}/credentials/{cid}/{action}",
                              json={"reason": f"load test {i}"}, headers=provider.headers, timeout=REQUEST_TIMEOUT)
                before = expected[cid]
                if r.status_code == 200:
                    after = {"revoke": "revoked", "suspend": "suspended", "reinstate": "active"}[action]
                    ok = r.json()["state"] == after and (before, action) in {
                        ("active", "suspend"), ("active", "revoke"), ("suspended", "revoke"), ("suspended", "reinstate")}
                    if not ok:
                        failures.append(f"{action} on {before}: 200 {r.json()['state']}")
                    expected[cid] = after
                    with lock:
                        outcomes[action] += 1
                    # read-your-writes through whichever worker answers: the list shows this change now
                    purpose = "revocation" if action == "revoke" else "suspension"
                    bit = fetch_list(server.url, provider.slug, purpose, 1).get(where[purpose][1])
                    if bit != (0 if action == "reinstate" else 1):
                        stale.append(f"{purpose} bit of {cid} after {action}: {bit}")
                    if action == "revoke" and fetch_list(server.url, provider.slug, "suspension", 1).get(where["suspension"][1]):
                        stale.append(f"suspension bit of revoked {cid} still set")
                elif r.status_code == 409:
                    wanted = REFUSAL["revoked"] if before == "revoked" else REFUSAL.get(action)
                    if r.json()["error"] != wanted:
                        failures.append(f"{action} on {before}: 409 {r.json()['error']}")
                    with lock:
                        outcomes["refused"] += 1
                else:
                    failures.append(f"{action} on {before}: {r.status_code} {r.text[:200]}")

        started = time.monotonic()
        errors = run_clients(CLIENTS, client, deadline=deadline + 30)
        elapsed = time.monotonic() - started
        assert errors == [] and failures == [] and stale == [], (errors, failures[:5], stale[:5])
        assert sum(outcomes.values()) == CHANGES

        # the published lists, from every worker, bit for bit what the acknowledged changes say
        want = {purpose: status_list.StatusList.new(LIST_SIZE) for purpose in ("revocation", "suspension")}
        for cid, where in credentials:
            if expected[cid] == "revoked":
                want["revocation"].set(where["revocation"][1], 1)
            if expected[cid] == "suspended":
                want["suspension"].set(where["suspension"][1], 1)
        for _ in range(3 * WORKERS):
            for purpose in ("revocation", "suspension"):
                assert fetch_list(server.url, provider.slug, purpose, 1) == want[purpose]
        with read_session(engine) as session:
            states = dict(session.execute(select(Credential.credential_id, Credential.state)).all())
        assert states == expected

        # the rebuild from credential states agrees with what the live path published: nothing to correct
        rebuilt = subprocess.run(
            [sys.executable, "-m", "skillpass.cli", "issuer", "rebuild-status", "--provider", provider.slug],
            env=issuer_environment(database_url, server.url), capture_output=True, text=True, timeout=REQUEST_TIMEOUT,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "0 bit(s) corrected" in rebuilt.stderr
        for purpose in ("revocation", "suspension"):
            assert fetch_list(server.url, provider.slug, purpose, 1) == want[purpose]
        final = collections.Counter(expected.values())
        report("state_changes_200", backend=engine.dialect.name, clients=CLIENTS, credentials=len(credentials),
               calls=sum(outcomes.values()), acknowledged=sum(v for k, v in outcomes.items() if k != "refused"),
               refused_409=outcomes["refused"], revoke=outcomes["revoke"], suspend=outcomes["suspend"],
               reinstate=outcomes["reinstate"], final_revoked=final["revoked"], final_suspended=final["suspended"],
               list_fetches_checked=outcomes["revoke"] * 2 + outcomes["suspend"] + outcomes["reinstate"] + 4 * 3 * WORKERS,
               lost_updates=0, stale_lists=len(stale), seconds=round(elapsed, 1))
    finally:
        engine.dispose()


# --- Idempotency-Key -----------------------------------------------------------------


ROUNDS = 6


def test_one_idempotency_key_used_by_16_clients_at_once(database_url, servers, tmp_path):
    engine = migrated_engine("issuer", database_url)
    try:
        server = start_issuer(servers, database_url, tmp_path)
        provider = create_provider(server.url, "idem-roc")
        provider_id = _provider_id(engine, provider.slug)
        tally: collections.Counter[str] = collections.Counter()
        started = time.monotonic()
        for round_ in range(ROUNDS):
            key = f"round-{round_}-{hashlib.sha256(str(time.time()).encode()).hexdigest()[:12]}"
            bodies = [issue_request(0), issue_request(1)]
            # rounds 0, 2, 4: every client sends the same body; odd rounds: 4 of the 16 send another one
            chosen = [0 if round_ % 2 == 0 or i >= 4 else 1 for i in range(CLIENTS)]
            answers: list[tuple[int, int, dict[str, Any]]] = []
            lock = threading.Lock()

            def client(i: int) -> None:
                r = requests.post(f"{server.url}/providers/{provider.slug}/credentials", json=bodies[chosen[i]],
                                  headers={**provider.headers, "Idempotency-Key": key}, timeout=REQUEST_TIMEOUT)
                with lock:
                    answers.append((i, r.status_code, r.json()))

            errors = run_clients(CLIENTS, client, deadline=time.monotonic() + 120)
            assert errors == [] and len(answers) == CLIENTS
            created = [(i, body) for i, status, body in answers if status == 201]
            assert len(created) == 1, [(s, b.get("error")) for _, s, b in answers]
            winner, credential = created[0]
            for i, status, body in answers:
                if i == winner:
                    continue
                if chosen[i] == chosen[winner]:
                    # the same credential again (409 only if its signed copy were no longer kept)
                    assert (status == 200 and body == credential) or status == 409, (status, body)
                    tally["replayed" if status == 200 else "conflict_409"] += 1
                else:
                    assert status == 422 and body["error"] == "idempotency_key_reused", (status, body)
                    tally["other_body_422"] += 1
            tally["created"] += 1
            with read_session(engine) as session:
                records = session.execute(
                    select(IdempotencyRecord.credential_id).where(IdempotencyRecord.provider_id == provider_id, IdempotencyRecord.key == key)
                ).scalars().all()
            assert records == [credential["id"]]

        with read_session(engine) as session:
            made = session.execute(select(func.count()).select_from(Credential).where(Credential.provider_id == provider_id)).scalar_one()
            allocated = session.execute(
                select(func.count()).select_from(StatusIndex).where(StatusIndex.provider_id == provider_id, StatusIndex.purpose == "revocation")
            ).scalar_one()
            duplicates = session.execute(
                select(func.count()).select_from(
                    select(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index)
                    .where(StatusIndex.provider_id == provider_id)
                    .group_by(StatusIndex.purpose, StatusIndex.list_number, StatusIndex.index)
                    .having(func.count() > 1).subquery()
                )
            ).scalar_one()
        assert made == ROUNDS and duplicates == 0  # one credential per key, however many raced for it
        report("idempotency_key", backend=engine.dialect.name, rounds=ROUNDS, clients_per_round=CLIENTS,
               credentials=made, replayed_200=tally["replayed"], conflict_409=tally["conflict_409"],
               other_body_422=tally["other_body_422"], indices_spent_by_losing_racers=allocated - made,
               seconds=round(time.monotonic() - started, 1))
    finally:
        engine.dispose()
