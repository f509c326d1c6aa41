"""Accounts: registration, login, tokens, rate limits, password change, erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from skillpass.db import read_session, write_transaction
from vc import did as dids
from wallet.config import Config, ConfigError
from wallet.models import OWNED_TABLES, Account, AuthToken, utcnow
from wallet_helpers import MASTER_KEY, PASSWORD, keep, register, share, token_of


def test_register_gives_profile_did_and_token(client):
    r = client.post(
        "/auth/register", json={"email": "Sanne@Example.NL", "password": PASSWORD, "display_name": "Sanne"}
    )
    assert r.status_code == 201
    body = r.get_json()
    account = body["account"]
    assert account["email"] == "sanne@example.nl"
    assert account["display_name"] == "Sanne"
    assert account["key_type"] == "Ed25519"
    assert account["did"].startswith("did:key:z6Mk")
    assert account["verification_method"] == dids.resolve_local(account["did"])["authentication"][0]
    assert body["token_type"] == "Bearer" and len(body["token"]) == 43
    assert body["expires_in"] > 0 and body["token_expires_at"].endswith("Z")
    assert "password" not in str(body) and "password_hash" not in str(body)

    me = client.get("/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["did"] == account["did"]
    assert me.get_json()["credentials"] == 0
    text = me.get_data(as_text=True)
    assert '"d"' not in text and "sealed" not in text and "private" not in text


def test_p256_holder_gets_did_jwk(client):
    r = client.post("/auth/register", json={"email": "p@example.nl", "password": PASSWORD, "key_type": "P-256"})
    assert r.status_code == 201
    account = r.get_json()["account"]
    assert account["did"].startswith("did:jwk:") and account["key_type"] == "P-256"
    doc = dids.resolve_local(account["did"])
    assert doc["verificationMethod"][0]["publicKeyJwk"]["crv"] == "P-256"
    assert "d" not in doc["verificationMethod"][0]["publicKeyJwk"]


def test_ids_are_random_uuids(client):
    a, b = register(client), register(client)
    assert len(a.id) == 36 and a.id.count("-") == 4 and a.id != b.id


@pytest.mark.parametrize(
    "body, pointer",
    [
        ({"email": "x@example.nl"}, "/password"),
        ({"email": "not-an-address", "password": PASSWORD}, "/email"),
        ({"email": "x@example.nl", "password": PASSWORD, "key_type": "RSA"}, "/key_type"),
        ({"email": "x@example.nl", "password": PASSWORD, "account_id": "someone"}, "/account_id"),
        ({"email": "x@example.nl", "password": PASSWORD, "owner": "someone"}, "/owner"),
    ],
)
def test_register_refuses_bad_bodies(client, body, pointer):
    r = client.post("/auth/register", json=body)
    assert r.status_code == 400
    assert r.get_json()["error"] == "invalid_request"
    assert pointer in [d["pointer"] for d in r.get_json()["detail"]]


def test_register_refuses_weak_password_and_duplicates(client):
    r = client.post("/auth/register", json={"email": "w@example.nl", "password": "short"})
    assert r.status_code == 400 and r.get_json()["error"] == "weak_password"
    r = client.post("/auth/register", json={"email": "w@example.nl", "password": "w@example.nl"})
    assert r.status_code == 400 and r.get_json()["error"] == "weak_password"
    register(client, "dup@example.nl")
    r = client.post("/auth/register", json={"email": "DUP@example.nl", "password": PASSWORD})
    assert r.status_code == 409 and r.get_json()["error"] == "account_exists"


def test_login_and_the_same_error_for_unknown_account_and_wrong_password(client, app, alice):
    ok = client.post("/auth/login", json={"email": "ALICE@example.nl", "password": PASSWORD})
    assert ok.status_code == 200 and ok.get_json()["token"] != alice.token

    passwords = app.extensions["wallet"].passwords
    original = passwords._hasher
    calls: list[str] = []

    class Spy:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(original, name)

        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return original.verify(stored, password)

    passwords._hasher = Spy()
    try:
        wrong = client.post("/auth/login", json={"email": "alice@example.nl", "password": "not the password"})
        unknown = client.post("/auth/login", json={"email": "nobody@example.nl", "password": "not the password"})
    finally:
        passwords._hasher = original
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json() == {
        "error": "invalid_credentials",
        "detail": "e-mail address or password is wrong",
    }
    # the argon2id work is done for the unknown account too
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_passwords_are_argon2id(app, alice):
    with read_session(app.extensions["wallet"].engine) as s:
        stored = s.execute(select(Account.password_hash).where(Account.id == alice.id)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_default_argon2_parameters_are_sound():
    config = Config.from_env({"SKILLPASS_DEV": "1"})
    assert config.argon2_time_cost >= 2 and config.argon2_memory_kib >= 19 * 1024
    custom = Config.from_env({"SKILLPASS_DEV": "1", "WALLET_ARGON2_TIME_COST": "1", "WALLET_ARGON2_MEMORY_KIB": "8", "WALLET_ARGON2_PARALLELISM": "1"})
    assert (custom.argon2_time_cost, custom.argon2_memory_kib, custom.argon2_parallelism) == (1, 8, 1)


def test_unauthenticated_and_bad_tokens_are_401(client):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer " + "A" * 43}):
        r = client.get("/me", headers=headers)
        assert r.status_code == 401
        assert r.get_json()["error"] == "invalid_token"


def test_logout_revokes_the_token(client, alice):
    other = client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).get_json()["token"]
    assert client.post("/auth/logout", headers=alice.headers).status_code == 204
    assert client.get("/me", headers=alice.headers).status_code == 401
    assert client.post("/auth/logout", headers=alice.headers).status_code == 401
    # another session of the same citizen is not affected
    assert client.get("/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_token_expiry(client, app, alice):
    with write_transaction(app.extensions["wallet"].engine) as s:
        s.execute(update(AuthToken).where(AuthToken.account_id == alice.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = client.get("/me", headers=alice.headers)
    assert r.status_code == 401 and r.get_json()["error"] == "invalid_token"


def test_token_ttl_is_configured(make_app):
    app = make_app(token_ttl=600)
    client = app.test_client()
    r = client.post("/auth/register", json={"email": "ttl@example.nl", "password": PASSWORD})
    assert 590 <= r.get_json()["expires_in"] <= 600


def test_password_change_revokes_every_token(client, alice):
    second = client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).get_json()["token"]
    bad = client.post("/auth/password", json={"current_password": "wrong one!", "new_password": "a new passphrase"}, headers=alice.headers)
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_credentials"
    weak = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "x"}, headers=alice.headers)
    assert weak.status_code == 400
    r = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "a new passphrase"}, headers=alice.headers)
    assert r.status_code == 200
    fresh = r.get_json()["token"]
    assert client.get("/me", headers=alice.headers).status_code == 401
    assert client.get("/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert client.get("/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    assert client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).status_code == 401
    assert client.post("/auth/login", json={"email": alice.email, "password": "a new passphrase"}).status_code == 200


def test_login_rate_limit_per_account(make_app):
    app = make_app(rate_limit=True, login_max_per_account=3, login_max_per_ip=100)
    client = app.test_client()
    register(client, "target@example.nl")
    for _ in range(3):
        assert client.post("/auth/login", json={"email": "target@example.nl", "password": "guess guess"}).status_code == 401
    r = client.post("/auth/login", json={"email": "target@example.nl", "password": PASSWORD})
    assert r.status_code == 429
    assert r.get_json()["error"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    # from another address too: the limit is the account's
    other_ip = client.post("/auth/login", json={"email": "target@example.nl", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_ip.status_code == 429
    # unknown accounts are limited the same way (no hint that they do not exist)
    for _ in range(3):
        client.post("/auth/login", json={"email": "ghost@example.nl", "password": "guess guess"})
    assert client.post("/auth/login", json={"email": "ghost@example.nl", "password": "guess guess"}).status_code == 429


def test_login_rate_limit_per_ip(make_app):
    app = make_app(rate_limit=True, login_max_per_account=100, login_max_per_ip=4)
    client = app.test_client()
    register(client, "someone@example.nl")
    for i in range(4):
        client.post("/auth/login", json={"email": f"spray{i}@example.nl", "password": "guess guess"})
    assert client.post("/auth/login", json={"email": "someone@example.nl", "password": PASSWORD}).status_code == 429
    ok = client.post("/auth/login", json={"email": "someone@example.nl", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert ok.status_code == 200


def test_rate_limit_can_be_switched_off(client, alice):
    for _ in range(30):
        client.post("/auth/login", json={"email": alice.email, "password": "guess guess"})
    assert client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).status_code == 200


def test_erasure_removes_every_row_of_the_citizen(client, app, alice, bob, issuer):
    token, _ = issuer.issue(alice.did)
    cred = keep(client, alice, token, labels=["werk"], note="mijn diploma")
    link = share(client, alice, [cred["id"]], max_views=3)
    assert client.get(f"/s/{token_of(link['url'])}").status_code == 200
    bob_token, _ = issuer.issue(bob.did)
    keep(client, bob, bob_token)

    r = client.delete("/me", headers=alice.headers)
    assert r.status_code == 200 and r.get_json()["erased"] is True
    engine = app.extensions["wallet"].engine
    with read_session(engine) as s:
        assert s.execute(select(func.count()).select_from(Account).where(Account.id == alice.id)).scalar_one() == 0
        for table in OWNED_TABLES:
            left = s.execute(select(func.count()).select_from(table).where(table.account_id == alice.id)).scalar_one()
            assert left == 0, table.__tablename__
        # Bob is untouched
        assert s.execute(select(func.count()).select_from(Account).where(Account.id == bob.id)).scalar_one() == 1
    assert client.get("/me", headers=alice.headers).status_code == 401
    assert client.get(f"/s/{token_of(link['url'])}").status_code == 404
    assert client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}).status_code == 401
    assert client.get("/credentials", headers=bob.headers).get_json()["total"] == 1
    # the address can be used again
    register(client, alice.email)


def test_master_key_is_required_unless_dev():
    with pytest.raises(ConfigError, match="SKILLPASS_MASTER_KEY"):
        from wallet import create_app

        create_app(Config(database_url="sqlite:///:memory:"))
    with pytest.raises(ConfigError, match="32 random bytes"):
        Config.from_env({"SKILLPASS_MASTER_KEY": "too-short"})
    assert Config.from_env({"SKILLPASS_DEV": "1"}).master_key is None


def test_dev_mode_starts_with_an_ephemeral_key(tmp_path, caplog):
    from wallet import create_app

    app = create_app(Config(database_url=f"sqlite:///{tmp_path / 'dev.db'}", dev=True, argon2_memory_kib=8, argon2_parallelism=1, argon2_time_cost=1))
    assert "EPHEMERAL" in caplog.text
    assert app.extensions["wallet"].master_key != MASTER_KEY
    app.extensions["wallet"].engine.dispose()
