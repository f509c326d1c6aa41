"""schemathesis against every operation of the wallet's OpenAPI document, authenticated as a citizen."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fuzzing import dispose, fuzz, operations
from vc import key_sealing
from wallet import create_app
from wallet.config import Config
from wallet_helpers import FakeFetcher, FakeIssuer, register, token_of

MASTER_KEY = key_sealing.parse_master_key(key_sealing.generate_master_key())


def _app(folder: str, fetcher: FakeFetcher | None = None, registry: str | None = None) -> Any:
    config = Config(
        database_url=f"sqlite:///{folder}/wallet.db",
        master_key=MASTER_KEY,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit=False,
        trust_registry=registry,
    )
    app = create_app(config, fetcher=fetcher or FakeFetcher())
    app.testing = True
    return app


OPERATIONS = operations(_app)


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    fetcher = FakeFetcher()
    issuer = FakeIssuer(fetcher)
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": issuer.did, "name": "ROC West"}]}))
    app = _app(str(tmp_path), fetcher, str(registry))
    client = app.test_client()
    citizen = register(client, "fuzz@example.nl")
    kept = client.post("/credentials", json={"credential": issuer.issue(citizen.did)[0], "labels": ["a"]}, headers=citizen.headers)
    assert kept.status_code == 201, kept.get_json()
    shared = client.post("/shares", json={"credential_ids": [kept.get_json()["id"]]}, headers=citizen.headers).get_json()
    yield {
        "app": app,
        "headers": citizen.headers,
        "ids": {"credential_id": kept.get_json()["id"], "share_id": shared["id"], "token": token_of(shared["url"])},
    }
    dispose(app)


def test_every_route_is_fuzzed():
    assert len(OPERATIONS) >= 24


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(world, method, path):
    names = [name for name in world["ids"] if "{" + name + "}" in path]
    real = [{name: world["ids"][name] for name in names}] if names else []
    seen = fuzz(world["app"], method, path, headers=world["headers"], path_parameters=real)
    assert seen and not any(status >= 500 for status in seen), seen
