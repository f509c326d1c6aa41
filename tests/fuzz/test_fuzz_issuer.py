"""schemathesis against every operation of the issuer's OpenAPI document, with the admin token and an API key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fuzzing import dispose, fuzz, operations
from issuer import create_app
from issuer.config import Config
from issuer_helpers import ADMIN, ADMIN_TOKEN, MASTER_KEY, MICRO, create_provider

BASE_URL = "http://127.0.0.1:5001"


def _app(folder: str) -> Any:
    config = Config(
        database_url=f"sqlite:///{folder}/issuer.db",
        base_url=BASE_URL,
        admin_token=ADMIN_TOKEN,
        master_key=MASTER_KEY,
        default_provider="demo-roc",
    )
    app = create_app(config)
    app.testing = True
    return app


OPERATIONS = operations(_app)


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    app = _app(str(tmp_path))
    client = app.test_client()
    provider = create_provider(client, "demo-roc")
    subject = copy.deepcopy(MICRO["credentialSubject"])
    issued = client.post("/providers/demo-roc/credentials", json={"type": "microcredential", "subject": subject}, headers=provider.headers)
    assert issued.status_code == 201, issued.get_json()
    yield {
        "app": app,
        # X-API-Key is read first on provider routes, the bearer admin token on /admin routes
        "headers": {**ADMIN, **provider.headers},
        "ids": {
            "slug": "demo-roc",
            "credential_id": issued.get_json()["id"],
            "key_id": provider.key_id,
            "number": 1,
            "purpose": "revocation",
            "name": "microcredential",
        },
    }
    dispose(app)


def test_every_route_is_fuzzed():
    assert len(OPERATIONS) >= 22


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(world, method, path):
    names = [name for name in world["ids"] if "{" + name + "}" in path]
    real = [{name: world["ids"][name] for name in names}] if names else []
    seen = fuzz(world["app"], method, path, headers=world["headers"], path_parameters=real)
    assert seen and not any(status >= 500 for status in seen), seen
