"""Isolation: one citizen can never see, change, share or detect another's things.

The routes are taken from the app's URL map, so a new route fails these tests
until it is classified here: public, or what a second citizen's token must get
on the first citizen's resources (a 404 identical to a nonexistent id, or, for
routes about "my" things, an answer that shows nothing of the other citizen).
"""

from __future__ import annotations

import tempfile
import uuid
from typing import Any, Callable

import pytest

from vc import key_sealing
from wallet import create_app
from wallet.config import Config
from wallet_helpers import PASSWORD, keep, register, share, token_of


def _walk() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            Config(
                database_url=f"sqlite:///{folder}/routes.db",
                master_key=key_sealing.parse_master_key(key_sealing.generate_master_key()),
                argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1,
            )
        )
        routes = sorted(
            (rule.rule, method)
            for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        )
        app.extensions["wallet"].engine.dispose()
    return routes


ROUTES = _walk()

PUBLIC = {
    ("/health", "GET"),
    ("/openapi.json", "GET"),
    ("/auth/register", "POST"),
    ("/auth/login", "POST"),
    ("/s/<token>", "GET"),
}

#: Every route that needs a citizen's token (anything not listed as public).
PRIVATE = [route for route in ROUTES if route not in PUBLIC]
PRIVATE_IDS = [f"{method} {rule}" for rule, method in PRIVATE]

#: Routes on one resource of the caller: B's token on A's id must be 404, as for no such id.
RESOURCE_ROUTES: dict[tuple[str, str], dict[str, Any]] = {
    ("/credentials/<credential_id>", "GET"): {},
    ("/credentials/<credential_id>", "PATCH"): {"json": {"labels": ["van bob"], "note": "bob was here"}},
    ("/credentials/<credential_id>", "DELETE"): {},
    ("/credentials/<credential_id>/check", "POST"): {},
    ("/shares/<share_id>", "GET"): {},
    ("/shares/<share_id>", "DELETE"): {},
    ("/shares/<share_id>/views", "GET"): {},
    ("/shares/<share_id>/qr.svg", "GET"): {},
    ("/shares/<share_id>/qr.png", "GET"): {},
}


class World:
    """Alice with a credential and a share that was viewed; Bob with his own."""

    def __init__(self, client, issuer) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.alice = register(client, "alice@example.nl")
        self.bob = register(client, "bob@example.nl")
        self.alice_credential = keep(client, self.alice, issuer.issue(self.alice.did)[0], labels=["alleen alice"], note="geheim")
        self.alice_share = share(client, self.alice, [self.alice_credential["id"]], purpose="alice zoekt werk")
        assert client.get(f"/s/{token_of(self.alice_share['url'])}", query_string={"audience": "https://a.example"}).status_code == 200
        self.bob_credential = keep(client, self.bob, issuer.issue(self.bob.did)[0])
        self.bob_share = share(client, self.bob, [self.bob_credential["id"]])

    def alice_secrets(self, *, of_the_token: bool = True) -> list[str]:
        """Strings that must never appear in an answer to Bob.

        `of_the_token=False` leaves out what is inside Alice's signed credential
        (her DID, the credential's own id), for the routes where Bob sends that
        token himself and the refusal report describes it.
        """
        wallet_only = [
            self.alice.id, self.alice.email, self.alice_credential["id"], self.alice_share["id"],
            "alleen alice", "geheim", "alice zoekt werk",
        ]
        return wallet_only + ([self.alice.did, self.alice_credential["credential_id"]] if of_the_token else [])

    def alice_is_intact(self) -> None:
        c, h = self.client, self.alice.headers
        cred = c.get(f"/credentials/{self.alice_credential['id']}", headers=h)
        assert cred.status_code == 200
        assert cred.get_json()["labels"] == ["alleen alice"] and cred.get_json()["note"] == "geheim"
        assert c.get(f"/shares/{self.alice_share['id']}", headers=h).get_json()["state"] == "active"
        assert c.get("/me", headers=h).status_code == 200


@pytest.fixture
def world(client, issuer) -> World:  # type: ignore[no-untyped-def]
    return World(client, issuer)


def _url(rule: str, credential_id: str, share_id: str) -> str:
    return rule.replace("<credential_id>", credential_id).replace("<share_id>", share_id)


def test_every_route_is_classified():
    classified = PUBLIC | set(RESOURCE_ROUTES) | set(OWN_SCOPE)
    assert set(ROUTES) == classified, "classify the new route in test_wallet_isolation.py"


@pytest.mark.parametrize("route", PRIVATE, ids=PRIVATE_IDS)
def test_unauthenticated_is_401(client, route):
    rule, method = route
    url = _url(rule, str(uuid.uuid4()), str(uuid.uuid4()))
    for headers in ({}, {"Authorization": "Bearer " + "x" * 43}):
        r = client.open(url, method=method, headers=headers, json={} if method in ("POST", "PATCH") else None)
        assert r.status_code == 401, (method, url, r.get_json())
        assert r.get_json()["error"] == "invalid_token"


# --- routes about "my" things: what Bob gets shows nothing of Alice's ---------------------------


def _list_credentials(w: World) -> None:
    r = w.client.get("/credentials", headers=w.bob.headers)
    assert [c["id"] for c in r.get_json()["items"]] == [w.bob_credential["id"]]
    for query in (f"?issuer={w.alice_credential['issuer']}", "?label=alleen alice", "?q=geheim"):
        items = w.client.get("/credentials" + query, headers=w.bob.headers).get_json()["items"]
        assert w.alice_credential["id"] not in [c["id"] for c in items]


def _import_credential(w: World) -> None:
    r = w.client.post("/credentials", json={"credential": w.alice_credential["credential"]}, headers=w.bob.headers)
    assert r.status_code == 422  # bound to Alice: Bob cannot take it


def _list_shares(w: World) -> None:
    r = w.client.get("/shares", headers=w.bob.headers)
    assert [s["id"] for s in r.get_json()["items"]] == [w.bob_share["id"]]


def _create_share(w: World) -> None:
    nowhere = str(uuid.uuid4())
    r = w.client.post("/shares", json={"credential_ids": [w.alice_credential["id"]]}, headers=w.bob.headers)
    absent = w.client.post("/shares", json={"credential_ids": [nowhere]}, headers=w.bob.headers)
    assert r.status_code == absent.status_code == 404
    assert r.get_data(as_text=True) == absent.get_data(as_text=True)
    mixed = w.client.post("/shares", json={"credential_ids": [w.bob_credential["id"], w.alice_credential["id"]]}, headers=w.bob.headers)
    assert mixed.status_code == 404


def _me(w: World) -> None:
    assert w.client.get("/me", headers=w.bob.headers).get_json()["id"] == w.bob.id


def _erase(w: World) -> None:
    assert w.client.delete("/me", headers=w.bob.headers).status_code == 200
    assert w.client.get("/me", headers=w.bob.headers).status_code == 401


def _logout(w: World) -> None:
    assert w.client.post("/auth/logout", headers=w.bob.headers).status_code == 204


def _password(w: World) -> None:
    r = w.client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "bobs new phrase"}, headers=w.bob.headers)
    assert r.status_code == 200
    assert w.client.post("/auth/login", json={"email": w.alice.email, "password": PASSWORD}).status_code == 200


def _export(w: World) -> None:
    r = w.client.get("/export", headers=w.bob.headers)
    assert r.status_code == 200
    assert [c["id"] for c in r.get_json()["credentials"]] == [w.bob_credential["id"]]


def _import(w: World) -> None:
    dossier = w.client.get("/export", headers=w.alice.headers).get_json()
    r = w.client.post("/import", json=dossier, headers=w.bob.headers)
    assert r.status_code == 200
    assert r.get_json()["imported"] == [] and len(r.get_json()["rejected"]) == 1


OWN_SCOPE: dict[tuple[str, str], Callable[[World], None]] = {
    ("/credentials", "GET"): _list_credentials,
    ("/credentials", "POST"): _import_credential,
    ("/shares", "GET"): _list_shares,
    ("/shares", "POST"): _create_share,
    ("/me", "GET"): _me,
    ("/me", "DELETE"): _erase,
    ("/auth/logout", "POST"): _logout,
    ("/auth/password", "POST"): _password,
    ("/export", "GET"): _export,
    ("/import", "POST"): _import,
}


@pytest.mark.parametrize("route", PRIVATE, ids=PRIVATE_IDS)
def test_another_citizens_token_finds_nothing(world, route):
    rule, method = route
    w = world
    if route in RESOURCE_ROUTES:
        options = RESOURCE_ROUTES[route]
        theirs = w.client.open(
            _url(rule, w.alice_credential["id"], w.alice_share["id"]), method=method, headers=w.bob.headers, **options
        )
        nowhere = str(uuid.uuid4())
        absent = w.client.open(_url(rule, nowhere, nowhere), method=method, headers=w.bob.headers, **options)
        assert theirs.status_code == 404, theirs.get_data(as_text=True)
        assert absent.status_code == 404
        assert theirs.get_data(as_text=True) == absent.get_data(as_text=True)
        mine = w.client.open(_url(rule, w.bob_credential["id"], w.bob_share["id"]), method=method, headers=w.bob.headers, **options)
        assert mine.status_code in (200, 204), mine.get_data(as_text=True)
    else:
        assert route in OWN_SCOPE, "classify the new route"
        answers: list[str] = []
        original_open = w.client.open

        def recording_open(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            response = original_open(*args, **kwargs)
            if kwargs.get("headers") == w.bob.headers and response.mimetype == "application/json":
                answers.append(response.get_data(as_text=True))
            return response

        w.client.open = recording_open  # type: ignore[method-assign]
        try:
            OWN_SCOPE[route](w)
        finally:
            w.client.open = original_open  # type: ignore[method-assign]
        sends_alices_token = route in (("/credentials", "POST"), ("/import", "POST"))
        for text in answers:
            for secret in w.alice_secrets(of_the_token=not sends_alices_token):
                assert secret not in text, (route, secret)
    w.alice_is_intact()


def test_alice_still_sees_her_view_log(world):
    w = world
    views = w.client.get(f"/shares/{w.alice_share['id']}/views", headers=w.alice.headers).get_json()
    assert len(views["items"]) == 1 and views["items"][0]["audience"] == "https://a.example"
