"""The benchmark scenarios, each `scenario(results, per_second)`.

A scenario writes raw figures into results["figures"] and, where the issue sets
a target, a {"value", "target", "met"} entry into results["targets"].

Ratios are measured pairwise: each round times the figure and its baseline
back to back (this machine is noisy), and the target is the median of the
per-round ratios; the figures are the medians of the rounds.

Over HTTP the ratios are per core actually used: answers per CPU-second of the
server's workers (from /proc; PostgreSQL's processes included when it holds
the data), against the raw operation per second on one core. Throughput
(answers per wall-clock second) is reported too, but on a small machine it
also measures how the load generator's keep-alive connections happened to be
spread over the gunicorn workers (one worker can end up with most of them),
which made it vary twofold between identical runs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from vc import jose, keys, status_list

PerSecond = Callable[..., float]
_MESSAGE = b"x" * 600  # about the signing input of a small credential
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
#: Different credentials cycled in process (more than the schema memo holds: nothing is answered per token).
TOKENS = int(os.environ.get("BENCH_TOKENS", "3000"))
#: Seconds of load per HTTP round.
HTTP_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "3"))
BATCH = 100


def target(results: dict[str, Any], name: str, value: float, goal: float, *, at_least: bool) -> None:
    results["targets"][name] = {
        "value": round(value, 4),
        "target": goal,
        "met": value >= goal if at_least else value < goal,
    }


def note(results: dict[str, Any], text: str) -> None:
    results.setdefault("notes", []).append(text)
    print(f"   note: {text}", flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def raw_crypto(results: dict[str, Any], per_second: PerSecond) -> None:
    """The limit: sign and verify with `cryptography` alone, one core."""
    ed = keys.generate("Ed25519")
    p256 = keys.generate("P-256")
    ed_sig = ed.sign(_MESSAGE)
    ecdsa = ec.ECDSA(hashes.SHA256())
    p_sig = p256.sign(_MESSAGE, ecdsa)
    ed_pub, p_pub = ed.public_key(), p256.public_key()
    f = results["figures"]
    f["raw_sign_ed25519_per_s"] = per_second(lambda: ed.sign(_MESSAGE))
    f["raw_verify_ed25519_per_s"] = per_second(lambda: ed_pub.verify(ed_sig, _MESSAGE))
    f["raw_sign_p256_per_s"] = per_second(lambda: p256.sign(_MESSAGE, ecdsa))
    f["raw_verify_p256_per_s"] = per_second(lambda: p_pub.verify(p_sig, _MESSAGE, ecdsa))


# --- raw baselines on real credential bytes ------------------------------------------------


class RawBaseline:
    """Raw Ed25519 sign / verify of real credential signing inputs (one core), cycled like the tokens."""

    def __init__(self, tokens: list[str], public_key: Any, private_key: Any = None) -> None:
        decoded = [jose.decode_jws(t) for t in tokens[:512]]
        self.pairs = [(d.signature, d.signing_input) for d in decoded]
        self.public_key = public_key
        self.private_key = private_key or keys.generate("Ed25519")
        self.input_bytes = statistics.mean(len(d.signing_input) for d in decoded)

    def verify_rate(self, per_second: PerSecond, **kw: Any) -> float:
        it = itertools.cycle(self.pairs)
        verify = self.public_key.verify
        return per_second(lambda: verify(*next(it)), **kw)

    def sign_rate(self, per_second: PerSecond, **kw: Any) -> float:
        it = itertools.cycle(self.pairs)
        sign = self.private_key.sign
        return per_second(lambda: sign(next(it)[1]), **kw)


# --- in process: vc+jwt and SD-JWT VC ------------------------------------------------------

_SHARED: dict[str, Any] = {}  # what later scenarios reuse (the in-memory issuer and its verifier)


def vc_in_process(results: dict[str, Any], per_second: PerSecond) -> None:
    """`vc.verify.Verifier.verify_credential` on TOKENS different vc+jwt, warm caches, vs raw verify of the same bytes."""
    from fixtures import MemoryIssuer
    from vc.verify import Memos, Verifier

    issuer = MemoryIssuer()
    tokens = issuer.vc_jwts(TOKENS)
    verifier = Verifier(issuer.caching_fetcher(), trust=issuer.registry(), memos=Memos())
    for token in tokens[:20]:
        report = verifier.verify_credential(token)
        if not report.verified:
            raise RuntimeError(f"bench credential does not verify: {[c.to_dict() for c in report.checks if c.status != 'passed']}")
    raw = RawBaseline(tokens, issuer.key.public_key(), issuer.key)
    _SHARED.update(issuer=issuer, verifier=verifier, raw=raw)
    cycle = itertools.cycle(tokens)
    verify = verifier.verify_credential
    vc_rates, raw_rates, ratios = [], [], []
    for _ in range(ROUNDS):
        r = raw.verify_rate(per_second, rounds=1, min_seconds=0.3)
        v = per_second(lambda: verify(next(cycle)), rounds=1, min_seconds=0.6)
        raw_rates.append(r)
        vc_rates.append(v)
        ratios.append(v / r)
    f = results["figures"]
    f["credential_signing_input_bytes"] = raw.input_bytes
    f["raw_verify_ed25519_credential_per_s"] = median(raw_rates)
    f["vcjwt_verify_in_process_per_s"] = median(vc_rates)
    target(results, "vcjwt_verify_vs_raw_verify", median(ratios), 0.8, at_least=True)
    _verify_cost_parts(results, per_second, tokens, raw)

    # SD-JWT VC presentation with KB-JWT: two signatures (issuer JWT and KB-JWT) each.
    audience, nonce = "https://verifier.bench.example", "bench-nonce-1"
    presentations = issuer.sd_jwt_presentations(min(TOKENS, 400), audience=audience, nonce=nonce)
    report = verifier.verify_presentation(presentations[0], nonce=nonce, audience=audience)
    if not report.verified:
        raise RuntimeError(f"bench SD-JWT presentation does not verify: {[c.to_dict() for c in report.checks if c.status != 'passed']}")
    pcycle = itertools.cycle(presentations)
    sd_rates, sd_ratios = [], []
    for _ in range(ROUNDS):
        r = raw.verify_rate(per_second, rounds=1, min_seconds=0.2)
        v = per_second(lambda: verifier.verify_presentation(next(pcycle), nonce=nonce, audience=audience), rounds=1, min_seconds=0.5)
        sd_rates.append(v)
        sd_ratios.append(v / (r / 2))
    f["sdjwt_presentation_verify_in_process_per_s"] = median(sd_rates)
    f["sdjwt_presentation_vs_two_raw_verifies"] = median(sd_ratios)


def _verify_cost_parts(results: dict[str, Any], per_second: PerSecond, tokens: list[str], raw: RawBaseline) -> None:
    """Where a verify's microseconds go, each part timed alone on the same tokens: the signature,
    taking the JWS apart (strict base64url and JSON), the schema; the rest is the pipeline's checks."""
    from vc import schemas

    decoded = [jose.decode_jws(t) for t in tokens[:512]]
    schema_ids = [(d.payload["credentialSchema"] if isinstance(d.payload["credentialSchema"], dict) else d.payload["credentialSchema"][0])["id"] for d in decoded]
    parts = itertools.cycle(range(len(decoded)))
    f = results["figures"]
    total_us = 1e6 / f["vcjwt_verify_in_process_per_s"]
    signature_us = 1e6 / f["raw_verify_ed25519_credential_per_s"]
    decode_us = 1e6 / per_second(lambda: jose.decode_jws(tokens[next(parts)]), min_seconds=0.2)
    schema_us = 1e6 / per_second(lambda: schemas.validate_against_schema_id(decoded[i := next(parts)].payload, schema_ids[i]), min_seconds=0.2)
    f["vcjwt_verify_us"] = total_us
    f["vcjwt_part_signature_us"] = signature_us
    f["vcjwt_part_decode_us"] = decode_us
    f["vcjwt_part_schema_us"] = schema_us
    f["vcjwt_part_other_checks_us"] = max(0.0, total_us - signature_us - decode_us - schema_us)


# --- status lists --------------------------------------------------------------------------


def status_lists(results: dict[str, Any], per_second: PerSecond) -> None:
    """Warm status check of one index (the verifier's path), and the issuer publishing a list after one change."""
    from fixtures import MemoryIssuer
    from vc.verify import DEFAULT_OPTIONS, Memos, Report, Verifier

    f = results["figures"]
    issuer = _SHARED.get("issuer") or MemoryIssuer()
    verifier = _SHARED.get("verifier") or Verifier(issuer.caching_fetcher(), trust=issuer.registry(), memos=Memos())
    # The verifier's own path for one credentialStatus entry: parse the entry, the (cached) fetch,
    # the memo of the verified list, the bit. Warm: the list was fetched, verified and decoded once.
    resolved, _ = verifier._resolve(issuer.did)
    index = issuer.free[0]
    payload = {"credentialStatus": status_list.status_entry(issuer.list_url("revocation"), index, "revocation")}
    report = Report("credential")
    now = datetime.now(timezone.utc)
    verifier._status_checks(report, payload, issuer.did, resolved, None, now, DEFAULT_OPTIONS)
    if report.checks[-1].status != "passed":
        raise RuntimeError(f"status check did not pass: {report.checks[-1]}")

    def check() -> None:
        report.checks.clear()
        verifier._status_checks(report, payload, issuer.did, resolved, None, now, DEFAULT_OPTIONS)

    warm = per_second(check, max_calls=2_000_000)
    bits = issuer.lists["revocation"]
    f["status_bit_get_per_s"] = per_second(lambda: bits.get(index), max_calls=2_000_000)
    f["status_check_warm_per_s"] = warm
    target(results, "status_check_warm_us", 1e6 / warm, 5, at_least=False)

    # The issuer's own publish: issuer.statuslists.publish after a bit changed (version bump).
    publish_ms, change_ms = _issuer_publish(results)
    f["status_publish_changed_ms"] = publish_ms
    f["status_change_and_publish_ms"] = change_ms
    target(results, "status_publish_changed_ms", publish_ms, 5, at_least=False)


def _issuer_publish(results: dict[str, Any]) -> tuple[float, float]:
    """(publish ms, change + publish ms): median of rounds, on the issuer's SQLite database, list of 131,072 with 1 % set."""
    from sqlalchemy import select

    from issuer import statuslists
    from issuer.models import StatusList as ListRow
    from skillpass.db import write_transaction
    from vc import key_sealing

    with tempfile.TemporaryDirectory(prefix="skillpass-bench-") as tmp:
        app, api = _issuer_in_process(f"sqlite:///{tmp}/issuer.db", "http://127.0.0.1:5001", key_sealing.generate_master_key())
        state = app.extensions["issuer"]
        client = app.test_client()
        issued = client.post(f"/providers/{SLUG}/credentials", json=_issue_item(_holders(1)[0]), headers=api)
        if issued.status_code != 201:
            raise RuntimeError(f"issuance failed: {issued.get_json()}")
        rng = random.Random(11)
        size = status_list.MIN_ENTRIES
        with write_transaction(state.engine) as session:
            row = session.execute(select(ListRow).where(ListRow.purpose == "revocation", ListRow.number == 1)).scalar_one()
            provider_id = row.provider_id
            bits = status_list.StatusList.from_bytes(row.bits)
            for i in rng.sample(range(size), size // 100):
                bits.set(i, 1)
            row.bits, row.version = bits.to_bytes(), row.version + 1
            session.add(row)
        statuslists.publish(state, SLUG, "revocation", 1)  # warm: key opened, code paths loaded

        def change() -> None:
            with write_transaction(state.engine) as session:
                statuslists.set_bit(session, provider_id, "revocation", 1, rng.randrange(size), 1)

        publish_rounds, both_rounds = [], []
        for _ in range(ROUNDS):
            publish_t, both_t = [], []
            for _ in range(40):
                t0 = time.perf_counter()
                change()
                t1 = time.perf_counter()
                published = statuslists.publish(state, SLUG, "revocation", 1)
                t2 = time.perf_counter()
                publish_t.append(t2 - t1)
                both_t.append(t2 - t0)
            publish_rounds.append(1e3 * median(publish_t))
            both_rounds.append(1e3 * median(both_t))
        if status_list.StatusList.decode(
            jose.decode_jws(published.token).payload["credentialSubject"]["encodedList"]
        ).count_set() < size // 100:
            raise RuntimeError("the published list lost its bits")
        state.engine.dispose()
        return median(publish_rounds), median(both_rounds)


# --- issuer and verifier over HTTP -----------------------------------------------------------

SLUG = "bench-roc"
ADMIN_TOKEN = "bench-admin-" + "a" * 32


def _holders(count: int) -> list[str]:
    from vc import did as dids

    return [dids.did_key(keys.generate("Ed25519")) for _ in range(count)]


def _issue_item(holder: str) -> dict[str, Any]:
    from fixtures import example_subject

    return {"type": "microcredential", "holder": holder, "subject": example_subject()}


def _issuer_in_process(database_url: str, base_url: str, master_key: str) -> tuple[Any, dict[str, str]]:
    """The issuer app on `database_url` (created and migrated here), a provider and its API key header."""
    from issuer import create_app
    from issuer.config import Config
    from vc import key_sealing

    app = create_app(Config(
        database_url=database_url, base_url=base_url, admin_token=ADMIN_TOKEN,
        master_key=key_sealing.parse_master_key(master_key), auto_migrate=True,
    ))
    client = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = client.post("/admin/providers", headers=admin, json={"slug": SLUG, "name": {"nl": "ROC Bench", "en": "ROC Bench"}, "country": "NL"})
    if created.status_code != 201:
        raise RuntimeError(f"provider: {created.status_code} {created.get_json()}")
    key = client.post(f"/admin/providers/{SLUG}/api-keys", headers=admin, json={"label": "bench"}).get_json()["key"]
    return app, {"Authorization": f"Bearer {key}"}


def _post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:500]


class _Issuer:
    """An issuer under gunicorn on one database, with its provider and API key."""

    def __init__(self, database_url: str, tmp: Path) -> None:
        from services import Gunicorn, free_port
        from vc import key_sealing

        port = free_port()
        master = key_sealing.generate_master_key()
        app, self.api = _issuer_in_process(database_url, f"http://127.0.0.1:{port}", master)
        app.extensions["issuer"].engine.dispose()
        env = {
            "SKILLPASS_MASTER_KEY": master, "ISSUER_DATABASE_URL": database_url,
            "ISSUER_BASE_URL": f"http://127.0.0.1:{port}", "ISSUER_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        self.server = Gunicorn("issuer.app:create_app()", env, port=port, log=tmp / f"issuer-{port}.log").wait_healthy()
        self.url = self.server.url
        from vc import did as dids

        self.did = dids.did_web_from_url(f"{self.url}/providers/{SLUG}")

    def issue_tokens(self, count: int) -> list[str]:
        tokens: list[str] = []
        holders = _holders(16)
        while len(tokens) < count:
            items = [_issue_item(holders[i % 16]) for i in range(BATCH)]
            status, body = _post(f"{self.url}/providers/{SLUG}/credentials/batch", {"items": items}, self.api)
            if status != 200:
                raise RuntimeError(f"batch issuance: {status} {body}")
            tokens.extend(r["result"]["credential"] for r in body["results"])
        return tokens[:count]

    def stop(self) -> None:
        self.server.stop()


def _issuance_rounds(results: dict[str, Any], per_second: PerSecond, issuer: _Issuer, load: Any, raw: RawBaseline, db: str) -> None:
    from services import WORKERS, cpu_seconds, postgres_pids

    holders = _holders(16)
    single = [json.dumps(_issue_item(h)).encode() for h in holders]
    batches = [json.dumps({"items": [_issue_item(holders[(b + i) % 16]) for i in range(BATCH)]}).encode() for b in range(4)]
    url_single = f"{issuer.url}/providers/{SLUG}/credentials"
    url_batch = f"{issuer.url}/providers/{SLUG}/credentials/batch"
    database = postgres_pids() if db == "postgres" else []

    def server_cpu() -> float:  # the issuer's workers, and PostgreSQL's processes when it holds the data
        return issuer.server.cpu() + (cpu_seconds(database) if database else 0.0)

    load.run(url_single, single, seconds=1, connections=8, headers=issuer.api)  # warm both workers
    load.run(url_batch, batches, seconds=1, connections=WORKERS * 2, headers=issuer.api)
    singles, batch_rates, batch_cpu_rates, ratios, errors, cpu = [], [], [], [], 0, []
    for _ in range(ROUNDS):
        time.sleep(0.3)  # let the last answers of the previous run drain
        sign = raw.sign_rate(per_second, rounds=1, min_seconds=0.2)
        s = load.run(url_single, single, seconds=HTTP_SECONDS, connections=8, headers=issuer.api, server_cpu=server_cpu)
        b = load.run(url_batch, batches, seconds=HTTP_SECONDS, connections=WORKERS * 2, headers=issuer.api, server_cpu=server_cpu)
        errors += s.errors + b.errors
        singles.append(s.requests_per_s)
        batch_rates.append(b.requests_per_s * BATCH)
        batch_cpu_rates.append(b.per_server_cpu_s * BATCH)
        ratios.append(b.per_server_cpu_s * BATCH / sign)
        cpu.append(s.client_cpu_us_per_request)
    f = results["figures"]
    f[f"issue_single_http_{db}_per_s"] = median(singles)
    f[f"issue_batch_http_{db}_credentials_per_s"] = median(batch_rates)
    f[f"issue_batch_http_{db}_credentials_per_server_cpu_s"] = median(batch_cpu_rates)
    f[f"raw_sign_ed25519_credential_per_s_{db}_rounds"] = raw.sign_rate(per_second, min_seconds=0.1)
    f[f"loadgen_cpu_us_per_request_issue_single_{db}"] = median(cpu)
    if errors:
        note(results, f"issuance on {db}: {errors} requests failed (non-2xx or socket errors) and are not counted")
    target(results, f"issue_batch_vs_raw_sign_per_core_{db}", median(ratios), 0.5, at_least=True)


def http_sqlite(results: dict[str, Any], per_second: PerSecond) -> None:
    """Issuer (SQLite) and verifier under gunicorn, against a bare Flask app on the same settings."""
    from loadgen import LoadGenerator
    from services import THREADS, WORKERS, Gunicorn, free_port
    from verifier import create_app as create_verifier
    from verifier.config import Config as VerifierConfig

    f = results["figures"]
    load = LoadGenerator()
    results["machine"]["loadgen"] = load.name
    results["machine"]["gunicorn"] = f"{WORKERS} workers x {THREADS} threads (gthread), access log off"
    if load.name != "wrk":
        note(results, "wrk is not available: load from the Python http.client fallback, which costs far more CPU per request (see loadgen_cpu_*)")
    servers: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="skillpass-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            issuer = _Issuer(f"sqlite:///{tmp}/issuer.db", tmp)
            servers.append(issuer)
            tokens = issuer.issue_tokens(min(TOKENS, 3000))
            from vc import did as dids

            # the provider's public key from its DID document, for the raw baseline on these very bytes
            import urllib.request

            with urllib.request.urlopen(f"{issuer.url}/providers/{SLUG}/did.json", timeout=30) as response:
                doc = json.loads(response.read())
            issuer_key = dids.public_key_for(doc, jose.decode_jws(tokens[0]).kid, "assertionMethod")
            raw = RawBaseline(tokens, issuer_key)

            _issuance_rounds(results, per_second, issuer, load, raw, "sqlite")

            registry = tmp / "registry.json"
            registry.write_text(json.dumps({"issuers": [{"id": issuer.did, "name": {"nl": "ROC Bench"}, "accreditation": ["mbo"]}]}))
            port = free_port()
            verifier_db = f"sqlite:///{tmp}/verifier.db"
            create_verifier(VerifierConfig(database_url=verifier_db, trust_registry=str(registry), auto_migrate=True,
                                           dev_hosts=(issuer.server.host,))).extensions["verifier"].engine.dispose()
            verifier = Gunicorn("verifier.app:create_app()", {
                "VERIFIER_DATABASE_URL": verifier_db, "VERIFIER_TRUST_REGISTRY": str(registry),
                "VERIFIER_DEV_HOSTS": issuer.server.host, "VERIFIER_AUDIENCE": f"http://127.0.0.1:{port}",
                # the rate limit stays on (as deployed) but far above what the bench sends from one address
                "VERIFIER_VERIFY_MAX_PER_IP": "1000000000",
            }, port=port, log=tmp / "verifier.log").wait_healthy()
            servers.append(verifier)
            hello = Gunicorn("hello:create_app()", {}, log=tmp / "hello.log").wait_healthy()
            servers.append(hello)

            status, body = _post(f"{verifier.url}/verify", {"credential": tokens[0]})
            if status != 200 or not body.get("verified"):
                raise RuntimeError(f"/verify does not verify the bench credential: {status} {str(body)[:500]}")
            singles = [json.dumps({"credential": t}).encode() for t in tokens]
            batches = [json.dumps({"credentials": tokens[i:i + BATCH]}).encode() for i in range(0, len(tokens) - BATCH + 1, BATCH)]
            status, body = _post(f"{verifier.url}/verify/batch", json.loads(batches[0]))
            if status != 200 or body.get("verified") != BATCH:
                raise RuntimeError(f"/verify/batch does not verify the bench credentials: {status} {str(body)[:500]}")
            # warm every worker: DID document and both lists fetched, verified and cached
            load.run(f"{verifier.url}/verify/batch", batches, seconds=1.5, connections=WORKERS * 2)
            load.run(f"{verifier.url}/verify", singles, seconds=1, connections=16)
            load.run(f"{hello.url}/hello", singles, seconds=1, connections=16)

            rows: dict[str, list[float]] = {}

            def keep(name: str, value: float) -> None:
                rows.setdefault(name, []).append(value)

            errors = 0
            for _ in range(ROUNDS):
                time.sleep(0.3)
                h = load.run(f"{hello.url}/hello", singles, seconds=HTTP_SECONDS, connections=16, server_cpu=hello.cpu)
                s = load.run(f"{verifier.url}/verify", singles, seconds=HTTP_SECONDS, connections=16, server_cpu=verifier.cpu)
                b = load.run(f"{verifier.url}/verify/batch", batches, seconds=HTTP_SECONDS, connections=WORKERS * 2, server_cpu=verifier.cpu)
                time.sleep(0.3)
                r = raw.verify_rate(per_second, rounds=1, min_seconds=0.2)
                errors += h.errors + s.errors + b.errors
                keep("framework_floor_hello_http_per_s", h.requests_per_s)
                keep("framework_floor_hello_per_server_cpu_s", h.per_server_cpu_s)
                keep("verify_single_http_per_s", s.requests_per_s)
                keep("verify_single_per_server_cpu_s", s.per_server_cpu_s)
                keep("verify_batch_http_credentials_per_s", b.requests_per_s * BATCH)
                keep("verify_batch_credentials_per_server_cpu_s", b.per_server_cpu_s * BATCH)
                keep("raw_verify_ed25519_issued_credential_per_s", r)
                keep("verify_single_vs_framework_floor_throughput", s.requests_per_s / h.requests_per_s)
                keep("verify_batch_vs_raw_verify_x_workers_throughput", b.requests_per_s * BATCH / (r * WORKERS))
                keep("server_cores_used_verify_single", s.server_cpu_s / s.seconds)
                keep("loadgen_cpu_us_per_request_hello", h.client_cpu_us_per_request)
                keep("loadgen_cpu_us_per_request_verify_single", s.client_cpu_us_per_request)
                keep("loadgen_cpu_share_of_machine_hello", h.client_cpu_share)
                keep("loadgen_cpu_share_of_machine_verify_single", s.client_cpu_share)
                keep("_single_ratio", s.per_server_cpu_s / h.per_server_cpu_s)
                keep("_batch_ratio", b.per_server_cpu_s * BATCH / r)
            for name, values in rows.items():
                if not name.startswith("_"):
                    f[name] = median(values)
            if errors:
                note(results, f"/verify, /verify/batch, /hello: {errors} requests failed and are not counted")
            target(results, "verify_single_vs_framework_floor", median(rows["_single_ratio"]), 0.7, at_least=True)
            target(results, "verify_batch_vs_raw_verify_per_core", median(rows["_batch_ratio"]), 0.6, at_least=True)
        finally:
            for server in reversed(servers):
                server.stop()
            load.close()


def issuance_postgres(results: dict[str, Any], per_second: PerSecond) -> None:
    """The same issuance over HTTP with a fresh PostgreSQL database (dropped afterwards)."""
    from loadgen import LoadGenerator
    from services import postgres_database

    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="skillpass-bench-") as tmp_name:
        if url is None:
            note(results, "PostgreSQL is not reachable on 127.0.0.1:5432: issuance on PostgreSQL skipped")
            return
        load = LoadGenerator()
        issuer = _Issuer(url, Path(tmp_name))
        try:
            tokens = issuer.issue_tokens(BATCH)
            import urllib.request

            from vc import did as dids

            with urllib.request.urlopen(f"{issuer.url}/providers/{SLUG}/did.json", timeout=30) as response:
                doc = json.loads(response.read())
            raw = RawBaseline(tokens, dids.public_key_for(doc, jose.decode_jws(tokens[0]).kid, "assertionMethod"))
            _issuance_rounds(results, per_second, issuer, load, raw, "postgres")
        finally:
            issuer.stop()
            load.close()


# --- wallet ------------------------------------------------------------------------------------


def wallet(results: dict[str, Any], per_second: PerSecond) -> None:
    """A page of 50 out of 10,000 stored credentials, and a share-link view (Flask test client, SQLite)."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from fixtures import MemoryIssuer
    from vc import key_sealing
    from wallet import create_app
    from wallet.config import Config
    from wallet.models import CredentialLabel, CredentialSkill, StoredCredential

    count = int(os.environ.get("BENCH_WALLET_CREDENTIALS", "10000"))
    issuer = _SHARED.get("issuer") or MemoryIssuer()
    f = results["figures"]
    with tempfile.TemporaryDirectory(prefix="skillpass-bench-") as tmp:
        registry = Path(tmp) / "registry.json"
        registry.write_text(json.dumps({"issuers": [{"id": issuer.did, "name": {"nl": "ROC Bench"}, "accreditation": ["mbo"]}]}))
        app = create_app(Config(
            database_url=f"sqlite:///{tmp}/wallet.db", public_url="http://127.0.0.1:5002",
            master_key=key_sealing.parse_master_key(key_sealing.generate_master_key()),
            argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1,
            rate_limit=False, trust_registry=str(registry), auto_migrate=True,
        ), fetcher=issuer.fetcher)
        client = app.test_client()
        state = app.extensions["wallet"]
        registered = client.post("/auth/register", json={"email": "bench@example.nl", "password": "correct horse battery"})
        body = registered.get_json()
        headers = {"Authorization": f"Bearer {body['token']}"}
        holder = body["account"]["did"]
        imported = client.post("/credentials", json={"credential": issuer.vc_jwts(1, holder=holder)[0], "labels": ["bench"]}, headers=headers)
        if imported.status_code != 201:
            raise RuntimeError(f"wallet import: {imported.status_code} {imported.get_json()}")
        first = imported.get_json()["id"]
        # Fill the wallet in bulk: copies of the verified row, each its own id, fingerprint and time.
        with state.engine.begin() as conn:
            row = dict(conn.execute(select(StoredCredential.__table__).where(StoredCredential.id == first)).mappings().one())
            skills = [dict(r) for r in conn.execute(select(CredentialSkill.__table__).where(CredentialSkill.credential_pk == first)).mappings()]
            rows, labels, skill_rows = [], [], []
            base = row["imported_at"]
            for n in range(count - 1):
                pk = str(uuid.uuid4())
                rows.append({**row, "id": pk, "fingerprint": f"urn:uuid:{uuid.uuid4()}", "credential_id": None,
                             "imported_at": base - timedelta(seconds=n + 1)})
                if n % 3 == 0:
                    labels.append({"credential_pk": pk, "label": "bench", "account_id": row["account_id"]})
                skill_rows.extend({**s, "credential_pk": pk} for s in skills)
            conn.execute(insert(StoredCredential.__table__), rows)
            conn.execute(insert(CredentialLabel.__table__), labels)
            if skill_rows:
                conn.execute(insert(CredentialSkill.__table__), skill_rows)
        page = client.get("/credentials?limit=50", headers=headers)
        if page.status_code != 200 or page.get_json()["total"] != count or len(page.get_json()["items"]) != 50:
            raise RuntimeError(f"wallet list: {page.status_code} {str(page.get_json())[:300]}")
        f["wallet_list_50_of_10000_per_s"] = per_second(lambda: client.get("/credentials?limit=50", headers=headers), min_seconds=0.5)
        f["wallet_list_50_of_10000_ms"] = 1e3 / f["wallet_list_50_of_10000_per_s"]

        share = client.post("/shares", json={"credential_ids": [first], "purpose": "bench"}, headers=headers).get_json()
        token = share["url"].rsplit("/s/", 1)[1]
        nonces = itertools.count()
        view = client.get(f"/s/{token}?nonce=n0&audience=https://verifier.bench.example")
        if view.status_code != 200:
            raise RuntimeError(f"share view: {view.status_code} {view.get_data()[:300]!r}")
        f["wallet_share_view_per_s"] = per_second(
            lambda: client.get(f"/s/{token}?nonce=n{next(nonces)}&audience=https://verifier.bench.example"), min_seconds=0.5
        )
        f["wallet_share_view_ms"] = 1e3 / f["wallet_share_view_per_s"]
        state.engine.dispose()
    note(results, "wallet figures: Flask test client in process (no HTTP), SQLite, rate limits off")


SCENARIOS = [raw_crypto, vc_in_process, status_lists, http_sqlite, issuance_postgres, wallet]
