"""The service as a whole: no secrets at rest, OpenAPI, health, headers (schema migrations: tests/test_migrations.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from skillpass.db import read_session
from vc import keys
from wallet import holder
from wallet.config import Config, ConfigError
from wallet.models import HolderKey, metadata
from wallet_helpers import MASTER_KEY, PASSWORD, keep, register, share, token_of


def _forms(secret: bytes) -> list[bytes]:
    """The spellings a secret could be stored in."""
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
        keys.b64url_encode(secret).encode(),
    ]


def _dump(engine) -> bytes:  # type: ignore[no-untyped-def]
    """Every value of every wallet table, as bytes."""
    out = bytearray()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        out += bytes(value) + b"\n" + bytes(value).hex().encode() + b"\n"
                    elif value is not None:
                        out += str(value).encode() + b"\n"
    return bytes(out)


def test_no_secret_is_stored_in_clear(client, app, issuer, config):
    alice = register(client, "alice@example.nl")
    carol = register(client, "carol@example.nl", key_type="P-256")
    bearer = [alice.token, carol.token]
    bearer.append(client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).get_json()["token"])
    changed = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "second secret phrase"}, headers=carol.headers)
    carol.token = changed.get_json()["token"]
    bearer.append(carol.token)
    share_tokens = []
    for citizen in (alice, carol):
        cred = keep(client, citizen, issuer.issue(citizen.did)[0])
        url = share(client, citizen, [cred["id"]])["url"]
        share_tokens.append(token_of(url))
        assert client.get(f"/s/{token_of(url)}", query_string={"nonce": "n"}).status_code == 200
    revoked = share(client, alice, [keep(client, alice, issuer.issue(alice.did)[0])["id"]])
    share_tokens.append(token_of(revoked["url"]))
    client.delete(f"/shares/{revoked['id']}", headers=alice.headers)

    state = app.extensions["wallet"]
    private_forms: list[bytes] = []
    with read_session(state.engine) as s:
        for row in s.execute(select(HolderKey)).scalars():
            private = holder.open_private(state, row)
            jwk = keys.private_jwk(private)
            private_forms += _forms(keys.b64url_decode(jwk["d"]))
            private_forms += _forms(keys.private_key_to_bytes(private))
            private_forms.append(jwk["d"].encode())
    assert len(private_forms) > 8

    secrets = private_forms + [PASSWORD.encode(), b"second secret phrase", MASTER_KEY, keys.b64url_encode(MASTER_KEY).encode()]
    for token in bearer + share_tokens:
        secrets += [token.encode()] + _forms(keys.b64url_decode(token))

    dumped = _dump(state.engine)
    for secret in secrets:
        assert secret not in dumped

    if config.database_url.startswith("sqlite:///"):
        state.engine.dispose()
        path = Path(config.database_url.removeprefix("sqlite:///"))
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert path in files
        raw = b"".join(p.read_bytes() for p in files)  # the database, its WAL and shared memory
        assert alice.email.encode() in raw  # the check does see the data
        for secret in secrets:
            assert secret not in raw


def test_sealed_holder_key_is_bound_to_its_account(client, app):
    a, b = register(client), register(client)
    state = app.extensions["wallet"]
    with read_session(state.engine) as s:
        rows = {r.account_id: r for r in s.execute(select(HolderKey)).scalars()}
    assert holder.did_for(holder.open_private(state, rows[a.id]), "Ed25519") == a.did
    swapped = HolderKey(**{**rows[a.id].model_dump(), "account_id": b.id})
    with pytest.raises(Exception) as info:
        holder.open_private(state, swapped)
    assert info.value.code == "holder_key_unavailable"  # type: ignore[attr-defined]


def test_config_from_env():
    env = {
        "SKILLPASS_MASTER_KEY": keys.b64url_encode(MASTER_KEY),
        "WALLET_DATABASE_URL": "sqlite:///x.db",
        "DATABASE_URL": "sqlite:///other.db",
        "WALLET_PUBLIC_URL": "https://wallet.example/",
        "WALLET_TOKEN_TTL": "3600",
        "WALLET_SHARE_MAX_DAYS": "90",
        "WALLET_DEV_HOSTS": "127.0.0.1:5001, localhost:5001",
        "WALLET_RATE_LIMIT": "0",
    }
    config = Config.from_env(env)
    assert config.master_key == MASTER_KEY and "master_key" not in repr(config)
    assert config.database_url == "sqlite:///x.db" and config.public_url == "https://wallet.example"
    assert config.token_ttl == 3600 and config.share_max_days == 90 and config.rate_limit is False
    assert config.dev_hosts == ("127.0.0.1:5001", "localhost:5001")
    assert Config.from_env({"DATABASE_URL": "postgresql://x/y"}).database_url == "postgresql://x/y"
    assert Config.from_env({}).database_url == "sqlite:///var/wallet.db"
    for bad in ({"WALLET_TOKEN_TTL": "soon"}, {"WALLET_PUBLIC_URL": "ftp://x"}, {"WALLET_SHARE_DEFAULT_DAYS": "400"}, {"WALLET_RATE_LIMIT": "maybe"}):
        with pytest.raises(ConfigError):
            Config.from_env(bad)


def test_openapi_documents_every_route(client, app):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    document = r.get_json()
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    public = {"/health", "/openapi.json", "/auth/register", "/auth/login", "/s/{token}"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        assert hasattr(app.view_functions[rule.endpoint], "openapi"), rule.rule
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path in public:
                assert "security" not in operation, (method, path)
            else:
                assert operation["security"] == [{"bearer": []}], (method, path)
    share_out = document["components"]["schemas"]["ShareOut"]["properties"]
    assert "link_expires_at" in share_out
    assert "credential_valid_until" in document["components"]["schemas"]["ShareCredential"]["properties"]


def test_health_and_headers(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cache-Control", "Content-Security-Policy"):
        assert name in r.headers


def test_errors_are_json(client, alice):
    for method, path in (("GET", "/nowhere"), ("PUT", "/credentials"), ("POST", "/me")):
        r = client.open(path, method=method, headers=alice.headers)
        assert r.status_code in (404, 405) and set(r.get_json()) == {"error", "detail"}
    r = client.post("/credentials", data=b'{"credential": "a", "credential": "b"}', headers={**alice.headers, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"] == "malformed_json"
