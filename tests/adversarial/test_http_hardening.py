"""HTTP hardening of all three services: headers, body caps, cross-site posts, rate limits, the OpenAPI contract.

Every route is taken from the app's URL map, so a new route is covered (or
fails here) without anyone remembering to add it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from openapi_spec_validator import validate

from adversarial_helpers import MASTER_KEY, make_verifier, table_counts
from verifier.limits import LIMITED_ENDPOINTS

ADMIN_TOKEN = "hardening-admin-" + "q" * 24

#: Public, non-personal documents an issuer serves for anyone to cache (the DID document, status lists, type metadata).
PUBLIC_CACHEABLE = re.compile(r"^/(providers/[^/]+/(did\.json|status/.*)|vct/.*|\.well-known/jwt-vc-issuer/.*)$")


def _issuer(folder: Path, **changes: Any) -> Any:
    from issuer import create_app
    from issuer.config import Config

    return create_app(Config(database_url=f"sqlite:///{folder / 'issuer.db'}", admin_token=ADMIN_TOKEN, master_key=MASTER_KEY,
                             default_provider="demo-roc").with_(**changes))


def _wallet(folder: Path, **changes: Any) -> Any:
    from wallet import create_app
    from wallet.config import Config

    return create_app(Config(database_url=f"sqlite:///{folder / 'wallet.db'}", master_key=MASTER_KEY, argon2_time_cost=1,
                             argon2_memory_kib=8, argon2_parallelism=1).with_(**changes), fetcher=lambda *a, **k: None)


def _verifier(folder: Path, **changes: Any) -> Any:
    from verifier import create_app
    from verifier.config import Config

    return create_app(Config(database_url=f"sqlite:///{folder / 'verifier.db'}", auto_migrate=True).with_(**changes),
                      fetcher=lambda *a, **k: None)


FACTORIES: dict[str, Callable[..., Any]] = {"issuer": _issuer, "wallet": _wallet, "verifier": _verifier}


def _metadata(name: str) -> Any:
    module = __import__(f"{name}.models", fromlist=["metadata"])
    return module.metadata


@pytest.fixture(params=sorted(FACTORIES))
def service(request, tmp_path) -> Iterator[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    app = FACTORIES[request.param](tmp_path)
    app.testing = True
    yield request.param, app
    app.extensions[request.param].engine.dispose()


def _routes(app: Any) -> list[tuple[str, str, str]]:
    """(rule, method, a concrete URL) for every route."""
    out = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:int(?:\([^)]*\))?:)?(\w+)>", lambda m: "1" if m.group(0).startswith("<int") else "x" + uuid.uuid4().hex[:8], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, url))
    return out


def _counts(name: str, app: Any) -> dict[str, int]:
    return table_counts(app.extensions[name].engine, _metadata(name))


# --- headers on every response ------------------------------------------------------------------------


def test_security_headers_on_every_response(service):
    name, app = service
    client = app.test_client()
    seen = 0
    for rule, method, url in _routes(app) + [("/nowhere", "GET", "/nowhere"), ("/health", "DELETE", "/health")]:
        for headers in ({}, {"Authorization": "Bearer " + "x" * 43, "X-API-Key": "sk_" + "x" * 40}):
            r = client.open(url, method=method, headers=headers, json={} if method in ("POST", "PATCH") else None)
            h = r.headers
            assert h["X-Content-Type-Options"] == "nosniff", (url, method)
            assert h["X-Frame-Options"] == "DENY" and h["Referrer-Policy"] == "no-referrer"
            assert "default-src 'none'" in h["Content-Security-Policy"] and "frame-ancestors 'none'" in h["Content-Security-Policy"]
            assert r.mimetype != "text/html", (url, method)
            if not (PUBLIC_CACHEABLE.match(url) and r.status_code == 200):
                assert h["Cache-Control"] == "no-store", (url, method, h.get("Cache-Control"))
            if r.status_code >= 400:
                assert r.mimetype == "application/json" and set(r.get_json()) == {"error", "detail"}, (url, method, r.get_data()[:200])
            seen += 1
    assert seen >= 20


def test_personal_answers_are_never_cacheable(tmp_path):
    """The answers that carry personal data (wallet contents, share links, verification reports) say no-store."""
    w = make_verifier(tmp_path, rate_limit=False)
    try:
        r = w.client.post("/verify", json={"credential": w.issuer.issue(w.holder.did)})
        assert r.get_json()["verified"] is True and r.headers["Cache-Control"] == "no-store"
    finally:
        w.app.extensions["verifier"].engine.dispose()


# --- body size ---------------------------------------------------------------------------------------------


def test_bodies_over_the_cap_are_413_json_before_any_work(service):
    name, app = service
    cap = app.config["MAX_CONTENT_LENGTH"]
    assert cap and cap <= 64 * 1024 * 1024
    client = app.test_client()
    before = _counts(name, app)
    for rule, method, url in _routes(app):
        if method not in ("POST", "PATCH", "PUT", "DELETE"):
            continue
        r = client.open(url, method=method, data=b"{}", headers={"Content-Type": "application/json"},
                        environ_overrides={"CONTENT_LENGTH": str(cap + 1)})
        assert (r.status_code, r.get_json()["error"]) == (413, "request_entity_too_large"), (url, r.get_json())
    assert _counts(name, app) == before


def test_chunked_bodies_over_the_cap_are_413_not_cut_off(service):
    # Without a Content-Length the stream ends quietly at the cap: a valid JSON start padded to
    # the cap was read as the whole body and acted on (found by a red-team run, over gunicorn).
    import io

    name, app = service
    app.config["MAX_CONTENT_LENGTH"] = cap = 4096
    client = app.test_client()
    before = _counts(name, app)
    head = b'{"credential": "x.y.z"}'
    body = head + b" " * (cap - len(head)) + b"and more that was never read"
    refused = []
    for rule, method, url in _routes(app):
        if method not in ("POST", "PATCH", "PUT", "DELETE"):
            continue
        headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", "Authorization": f"Bearer {ADMIN_TOKEN}"}
        r = client.open(url, method=method, input_stream=io.BytesIO(body), headers=headers,
                        environ_overrides={"wsgi.input_terminated": True})
        if r.status_code in (401, 404):
            continue  # refused before the body is read (no credentials, nothing there)
        assert (r.status_code, r.get_json()["error"]) == (413, "request_entity_too_large"), (url, r.status_code, r.get_json())
        refused.append(rule)
    assert refused  # routes that read a body: the admin API, registration and login, every verify route
    assert _counts(name, app) == before


# --- cross-site posts, every state-changing route of every service ---------------------------------------------


@pytest.mark.parametrize("headers,status,code", [
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    ({"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ({"Content-Type": "multipart/form-data; boundary=b"}, 415, "unsupported_media_type"),
    ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403, "cross_site_request"),
    ({"Content-Type": "application/json", "Origin": "null"}, 403, "cross_site_request"),
    ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403, "cross_site_request"),
], ids=["form", "text-plain", "multipart", "origin", "origin-null", "sec-fetch-site"])
def test_cross_site_requests_are_refused_everywhere(service, headers, status, code):
    name, app = service
    client = app.test_client()
    before = _counts(name, app)
    creds = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for rule, method, url in _routes(app):
        if method not in ("POST", "PATCH", "PUT", "DELETE"):
            continue
        r = client.open(url, method=method, data=b'{"x": 1}', headers={**creds, **headers})
        assert (r.status_code, r.get_json()["error"]) == (status, code), (method, url, r.get_json())
    assert _counts(name, app) == before


def test_the_issuer_admin_api_accepts_its_own_clients(tmp_path):
    app = _issuer(tmp_path)
    try:
        body = {"slug": "roc-x", "name": {"nl": "ROC X", "en": "ROC X"}, "country": "NL"}
        r = app.test_client().post("/admin/providers", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Origin": "http://127.0.0.1:5001"})
        assert r.status_code == 201, r.get_json()
    finally:
        app.extensions["issuer"].engine.dispose()


# --- the verifier's rate limit --------------------------------------------------------------------------------


def test_every_limited_endpoint_exists(tmp_path):
    app = _verifier(tmp_path)
    try:
        assert LIMITED_ENDPOINTS <= set(app.view_functions)
    finally:
        app.extensions["verifier"].engine.dispose()


def test_verification_is_rate_limited_per_client_address(tmp_path):
    w = make_verifier(tmp_path, verify_max_per_ip=4, verify_window=60)
    try:
        client = w.client
        token = w.issuer.issue(w.holder.did)
        # four requests of any limited kind from one address ...
        assert client.post("/verify", json={"credential": token}).status_code == 200
        assert client.post("/verify/batch", json={"credentials": [token]}).status_code == 200
        assert client.post("/credentials/verify", json={"verifiableCredential": token}).status_code == 200
        assert client.post("/presentation-requests", json={"types": ["microcredential"]}).status_code == 201
        before = table_counts(w.app.extensions["verifier"].engine, _metadata("verifier"))
        # ... then 429, before the body is even read, and nothing is written
        for path, body in (("/verify", {"credential": token}), ("/presentation-requests", {"types": ["x"]}),
                           ("/presentations/verify", {"verifiablePresentation": "x"}), ("/verify", "not even json")):
            r = client.post(path, json=body)
            assert (r.status_code, r.get_json()["error"]) == (429, "rate_limited"), (path, r.get_json())
            assert 0 < int(r.headers["Retry-After"]) <= 60
            assert r.headers["Cache-Control"] == "no-store"
        assert table_counts(w.app.extensions["verifier"].engine, _metadata("verifier")) == before
        # another address, and the routes that read, are not limited
        other = client.post("/verify", json={"credential": token}, environ_base={"REMOTE_ADDR": "198.51.100.20"})
        assert other.status_code == 200
        assert client.get("/health").status_code == 200 and client.get("/trusted-issuers").status_code == 200
    finally:
        w.app.extensions["verifier"].engine.dispose()


def test_the_rate_limit_can_be_switched_off_and_configured(tmp_path, monkeypatch):
    from verifier.config import Config, ConfigError

    w = make_verifier(tmp_path, verify_max_per_ip=1, rate_limit=False)
    try:
        token = w.issuer.issue(w.holder.did)
        assert all(w.client.post("/verify", json={"credential": token}).status_code == 200 for _ in range(5))
    finally:
        w.app.extensions["verifier"].engine.dispose()
    config = Config.from_env({"VERIFIER_RATE_LIMIT": "0", "VERIFIER_VERIFY_MAX_PER_IP": "7", "VERIFIER_VERIFY_WINDOW": "30", "VERIFIER_PROXY_HOPS": "1"})
    assert (config.rate_limit, config.verify_max_per_ip, config.verify_window, config.proxy_hops) == (False, 7, 30, 1)
    assert Config.from_env({}).rate_limit is True
    with pytest.raises(ConfigError):
        Config.from_env({"VERIFIER_VERIFY_MAX_PER_IP": "0"})


def test_behind_a_proxy_the_forwarded_address_counts(tmp_path):
    w = make_verifier(tmp_path, verify_max_per_ip=1, proxy_hops=1)
    try:
        token = w.issuer.issue(w.holder.did)
        first = {"X-Forwarded-For": "203.0.113.1"}
        assert w.client.post("/verify", json={"credential": token}, headers=first).status_code == 200
        assert w.client.post("/verify", json={"credential": token}, headers=first).status_code == 429
        assert w.client.post("/verify", json={"credential": token}, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 200
    finally:
        w.app.extensions["verifier"].engine.dispose()


def test_wallet_login_guessing_is_429_and_writes_nothing(tmp_path):
    app = _wallet(tmp_path, rate_limit=True, login_max_per_account=3, login_max_per_ip=100)
    try:
        client = app.test_client()
        assert client.post("/auth/register", json={"email": "eve@example.nl", "password": "a good pass phrase"}).status_code == 201
        before = _counts("wallet", app)
        for guess in ("123456", "password", "qwerty"):
            r = client.post("/auth/login", json={"email": "eve@example.nl", "password": guess})
            assert (r.status_code, r.get_json()["error"]) == (401, "invalid_credentials")
        r = client.post("/auth/login", json={"email": "EVE@example.nl ", "password": "a good pass phrase"})
        assert (r.status_code, r.get_json()["error"]) == (429, "rate_limited")
        assert _counts("wallet", app) == before
    finally:
        app.extensions["wallet"].engine.dispose()


# --- unexpected errors ------------------------------------------------------------------------------------------


def test_an_unexpected_error_logs_the_route_not_the_path(tmp_path, monkeypatch, caplog):
    """A share link's path is its secret: a 500 on /s/<token> must not write the token to the log."""
    from wallet import sharing

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail " + "S" * 43)

    monkeypatch.setattr(sharing, "present", boom)
    app = _wallet(tmp_path)
    try:
        caplog.set_level(logging.DEBUG)
        token = "T" * 43
        r = app.test_client().get(f"/s/{token}", query_string={"nonce": "n"})
        assert (r.status_code, r.get_json()) == (500, {"error": "internal_error", "detail": "an unexpected error occurred"})
        assert "unexpected RuntimeError on GET /s/<token>" in caplog.text
        assert token not in caplog.text and "secret detail" not in caplog.text
    finally:
        app.extensions["wallet"].engine.dispose()


# --- the OpenAPI contract ----------------------------------------------------------------------------------------


def test_openapi_describes_every_route_validly(service):
    name, app = service
    document = app.test_client().get("/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routes = {(re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule), method) for rule, method, _ in _routes(app)}
    assert routes == documented
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert any(code.startswith("2") for code in operation["responses"]), where
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):  # {"error", "detail"}, or a report that also names its `error`
                    name = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                    assert name == "Error" or "error" in schemas[name].get("required", []), (where, code, name)
                elif code.startswith("2") and code != "204":
                    assert "content" in response, (where, code)
            body = operation.get("requestBody")
            if body is not None:
                ref = body["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in schemas, where
            if method in ("post", "patch", "put", "delete"):
                assert {"403", "413", "415"} <= set(operation["responses"]), where
            if "security" in operation:
                assert "401" in operation["responses"], where
            for parameter in operation.get("parameters", []):
                assert "schema" in parameter, where
    assert json.dumps(document)  # serialisable as it is served


def test_rate_limited_routes_document_429(tmp_path):
    app = _verifier(tmp_path)
    try:
        document = app.test_client().get("/openapi.json").get_json()
        by_endpoint = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
        for endpoint in LIMITED_ENDPOINTS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", by_endpoint[endpoint])
            assert "429" in document["paths"][path]["post"]["responses"], endpoint
    finally:
        app.extensions["verifier"].engine.dispose()
    (tmp_path / "w").mkdir()
    wallet = _wallet(tmp_path / "w")
    try:
        document = wallet.test_client().get("/openapi.json").get_json()
        for path, method in (("/auth/login", "post"), ("/auth/register", "post"), ("/auth/password", "post"), ("/s/{token}", "get")):
            assert "429" in document["paths"][path][method]["responses"], path
    finally:
        wallet.extensions["wallet"].engine.dispose()


# --- garbage on every route: never a 5xx --------------------------------------------------------------------------

GARBAGE_BODIES = [
    b"", b"null", b"[]", b"0", b'"x"', b"{}", b"10" + b"0" * 400, b'{"a": 1e400}', b"-0", b'{"\\u0000": 1}',
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 70 + b"1" + b"}" * 70, b"\xff\xfe", b'{"x": "\\ud800"}', b"\xef\xbb\xbf{}",
]
GARBAGE_SEGMENTS = ["%00", "..", "%2e%2e", "x" * 5000, "\u202e\u0000", "%ff", "1e400", "-1", "99999999999999999999999", "<b>"]


def _garbage_values(schema_body: dict[str, Any]) -> list[bytes]:
    """Each top-level member of a body set to values of every wrong kind."""
    nasty = [None, 10**400, -(2**63) - 1, 1.5, True, "", "x" * 100_000, [], {}, ["x"] * 1000, {"$ref": "#"}, "\u0000", "\ud83d"]
    out = []
    for member in schema_body:
        for value in nasty:
            try:
                out.append(json.dumps({**schema_body, member: value}).encode())
            except (TypeError, ValueError):  # pragma: no cover
                continue
    return out


def test_garbage_on_every_route_is_never_a_server_error(service):
    name, app = service
    client = app.test_client()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    if name == "issuer":
        r = client.post("/admin/providers", json={"slug": "roc-g", "name": {"nl": "G", "en": "G"}, "country": "NL"}, headers=headers)
        assert r.status_code == 201
        headers["X-API-Key"] = client.post("/admin/providers/roc-g/api-keys", json={"label": "g"}, headers=headers).get_json()["key"]
    if name == "wallet":
        r = client.post("/auth/register", json={"email": "g@example.nl", "password": "garbage pass phrase"})
        headers["Authorization"] = f"Bearer {r.get_json()['token']}"
    document = client.get("/openapi.json").get_json()
    samples = {
        "issuer": {"type": "microcredential", "subject": {"name": "x"}, "slug": "roc-h", "name": {"nl": "x"}, "country": "NL", "items": []},
        "wallet": {"credential": "x.y.z", "credential_ids": ["x"], "labels": ["a"], "email": "a@b.nl", "password": "p" * 10,
                   "format": "skillpass-wallet-dossier", "version": 1},
        "verifier": {"credential": "x.y.z", "credentials": ["x"], "verifiableCredential": "x", "types": ["x"], "presentation": "x"},
    }[name]
    errors = []
    for rule, method, url in _routes(app):
        if rule in ("/auth/logout", "/me") and method in ("POST", "DELETE"):
            continue  # would end the session this sweep runs in
        bodies = GARBAGE_BODIES + _garbage_values(samples) if method in ("POST", "PATCH", "PUT") else [b""]
        # garbage bodies on the route, garbage path segments with an empty object
        attempts = [(url, body) for body in bodies]
        attempts += [(re.sub(r"x[0-9a-f]{8}", segment, url), b"{}") for segment in GARBAGE_SEGMENTS if "<" in rule]
        for target, body in attempts:
            r = client.open(target, method=method, data=body, headers=headers)
            if r.status_code >= 500:
                errors.append((method, target[:80], body[:60], r.status_code, r.get_data()[:120]))
    assert errors == []
    assert document["paths"]


# --- NUL characters: PostgreSQL text cannot hold one (a 500 there), so none gets in ----------------------------


def test_a_nul_in_a_path_query_or_body_is_refused_on_every_route(service):
    # found by a second red-team run against the services on PostgreSQL
    name, app = service
    client = app.test_client()
    before = _counts(name, app)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for rule, method, url in _routes(app):
        r = client.open(url + "%00", method=method, headers=auth)
        assert r.status_code in (404, 405) and r.get_json()["error"] in ("not_found", "method_not_allowed"), (url, r.status_code)
        r = client.open(url + "?q=a%00b", method=method, headers=auth)
        assert r.status_code == 400 and r.get_json()["error"] == "invalid_request", (url, r.status_code)
        if method in ("POST", "PATCH", "PUT"):
            r = client.open(url, method=method, data=b'{"email": "a\\u0000@example.nl", "name": "x\\u0000"}',
                            headers={**auth, "Content-Type": "application/json"})
            assert r.status_code in (400, 401, 404), (url, r.status_code)
            if r.status_code == 400:
                assert r.get_json()["error"] == "malformed_json", (url, r.get_json())
    assert _counts(name, app) == before


def test_doubled_slashes_are_a_json_404_not_a_redirect(service):
    # Werkzeug merged `//` with a 308 whose HTML body and Location came from the Host header
    name, app = service
    client = app.test_client()
    for rule, method, url in _routes(app):
        if method != "GET" or url.count("/") < 2:
            continue
        head, _, tail = url[1:].partition("/")
        doubled = f"/{head}//{tail}"  # e.g. /providers//demo-roc/did.json
        r = client.get(doubled, headers={"Host": "evil.example", "Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 404 and r.get_json()["error"] == "not_found", (doubled, r.status_code)
        assert "Location" not in r.headers
