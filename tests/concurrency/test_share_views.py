"""The wallet under gunicorn (4 workers x 2 threads): concurrent openings of one share link.

A citizen imports a credential from the issuer (also under gunicorn; the
wallet verifies it over HTTP) and shares it with a view limit. 16 clients
open the link at once, many more times than the limit: exactly `max_views`
presentations are given (each bound to its opener's nonce), the others are
410, and the view log holds exactly the openings that were answered.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import jwt
import pytest
import requests

from concurrency_helpers import (
    MASTER_KEY,
    REQUEST_TIMEOUT,
    Gunicorn,
    base_environment,
    create_provider,
    free_port,
    issue_request,
    migrated_engine,
    report,
    run_clients,
    second_database,
    start_issuer,
)

pytestmark = pytest.mark.concurrency

CLIENTS = 16
OPENINGS_PER_CLIENT = 4  # 64 openings of each link
VIEW_LIMITS = (1, 7, 25)


@pytest.fixture
def wallet_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    yield from second_database(database_url, tmp_path, "wallet")


def test_concurrent_openings_respect_the_view_limit_exactly(database_url, wallet_database, servers, tmp_path):
    issuer_engine = migrated_engine("issuer", database_url)
    wallet_engine = migrated_engine("wallet", wallet_database)
    try:
        issuer = start_issuer(servers, database_url, tmp_path, workers=2)
        port = free_port()
        wallet = Gunicorn(
            "wallet.app:create_app()",
            base_environment() | {
                "WALLET_DATABASE_URL": wallet_database,
                "WALLET_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "SKILLPASS_MASTER_KEY": MASTER_KEY,
                "WALLET_DEV_HOSTS": f"127.0.0.1:{issuer.port}",
                "WALLET_ARGON2_TIME_COST": "1", "WALLET_ARGON2_MEMORY_KIB": "8192", "WALLET_ARGON2_PARALLELISM": "1",
                "WALLET_AUTO_MIGRATE": "0",
            },
            tmp_path / "wallet.log",
            port=port,
        )
        servers.append(wallet)
        wallet.start()

        provider = create_provider(issuer.url, "share-roc")
        http = requests.Session()
        registered = http.post(f"{wallet.url}/auth/register", timeout=REQUEST_TIMEOUT,
                               json={"email": "load@example.nl", "password": "correct horse battery staple"})
        assert registered.status_code == 201, registered.text
        citizen = {"Authorization": f"Bearer {registered.json()['token']}"}
        holder = http.get(f"{wallet.url}/me", headers=citizen, timeout=REQUEST_TIMEOUT).json()["did"]
        issued = http.post(f"{issuer.url}/providers/{provider.slug}/credentials", headers=provider.headers,
                           json={**issue_request(0), "holder": holder}, timeout=REQUEST_TIMEOUT)
        assert issued.status_code == 201, issued.text
        kept = http.post(f"{wallet.url}/credentials", headers=citizen, json={"credential": issued.json()["credential"]},
                         timeout=REQUEST_TIMEOUT)
        assert kept.status_code == 201, kept.text

        figures: dict[str, Any] = {}
        started = time.monotonic()
        for limit in VIEW_LIMITS:
            share = http.post(f"{wallet.url}/shares", headers=citizen, timeout=REQUEST_TIMEOUT,
                              json={"credential_ids": [kept.json()["id"]], "max_views": limit, "purpose": f"limit {limit}"})
            assert share.status_code == 201, share.text
            link, share_id = share.json()["url"], share.json()["id"]
            answers: list[tuple[int, str, str]] = []
            lock = threading.Lock()

            def client(i: int) -> None:
                opener = requests.Session()
                for _ in range(OPENINGS_PER_CLIENT):
                    nonce = uuid.uuid4().hex
                    r = opener.get(link, params={"nonce": nonce, "audience": "https://verifier.example"}, timeout=REQUEST_TIMEOUT)
                    with lock:
                        answers.append((r.status_code, nonce, r.text))

            errors = run_clients(CLIENTS, client, deadline=time.monotonic() + 120)
            assert errors == [], errors
            statuses = collections.Counter(status for status, _, _ in answers)
            assert statuses == {200: limit, 410: CLIENTS * OPENINGS_PER_CLIENT - limit}, statuses
            # each answered opening got a presentation bound to its own nonce
            answered = set()
            for status, nonce, body in answers:
                if status == 200:
                    claims = jwt.decode(body, options={"verify_signature": False})
                    assert claims["nonce"] == nonce and claims["aud"] == "https://verifier.example"
                    answered.add(hashlib.sha256(nonce.encode()).hexdigest())
            record = http.get(f"{wallet.url}/shares/{share_id}", headers=citizen, timeout=REQUEST_TIMEOUT).json()
            assert (record["views"], record["views_left"], record["state"]) == (limit, 0, "used_up")
            log = http.get(f"{wallet.url}/shares/{share_id}/views", headers=citizen, timeout=REQUEST_TIMEOUT).json()["items"]
            assert len(log) == limit and {view["nonce_sha256"] for view in log} == answered
            figures[f"limit_{limit}"] = {"openings": len(answers), "presented": statuses[200], "gone_410": statuses[410]}
        report("share_views", backend=wallet_engine.dialect.name, clients=CLIENTS, workers=wallet.workers, **figures,
               seconds=round(time.monotonic() - started, 1))
    finally:
        issuer_engine.dispose()
        wallet_engine.dispose()
