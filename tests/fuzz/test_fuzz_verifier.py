"""schemathesis against every operation of the verifier's OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fuzzing import dispose, fuzz, operations
from verifier import create_app
from verifier.config import Config
from verifier_helpers import AUDIENCE, FakeWeb, Holder, Issuer, registry_document
from vc.errors import HTTPStatusError
from vc.fetch import Fetched


class Web(FakeWeb):
    """The fake web, answering 404 (as a real server would) for what it does not hold."""

    def __call__(self, url: str, *, headers: Any = None) -> Fetched:
        if url not in self.pages:
            self.calls.append(url)
            raise HTTPStatusError(404, url)
        return super().__call__(url, headers=headers)


def _app(folder: str, web: FakeWeb | None = None, registry: str | None = None) -> Any:
    config = Config(
        database_url=f"sqlite:///{folder}/verifier.db",
        audience=AUDIENCE,
        trust_registry=registry,
        auto_migrate=True,
        rate_limit=False,
    )
    app = create_app(config, fetcher=web or Web())
    app.testing = True
    return app


OPERATIONS = operations(_app)


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    web = Web()
    issuer = Issuer(web)
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps(registry_document(issuer)))
    app = _app(str(tmp_path), web, str(registry))
    client = app.test_client()
    holder = Holder()
    token = issuer.issue(holder.did)
    request = client.post("/presentation-requests", json={"types": ["microcredential"]}).get_json()
    yield {"app": app, "client": client, "token": token, "request": request}
    dispose(app)


def test_every_route_is_fuzzed():
    assert len(OPERATIONS) >= 11


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(world, method, path):
    request = world["request"]
    seen = fuzz(
        world["app"],
        method,
        path,
        headers={"Authorization": f"Bearer {request['resultToken']}"},
        path_parameters=[{"request_id": request["id"]}] if "{request_id}" in path else (),
    )
    assert seen and not any(status >= 500 for status in seen), seen
