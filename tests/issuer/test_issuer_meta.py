"""Health, OpenAPI, configuration and start-up refusals."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from issuer import create_app
from issuer.config import Config, ConfigError
from vc import key_sealing


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_openapi_describes_every_route(app, client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "openapi"), f"{rule.rule} is not @documented"
    paths = doc["paths"]
    assert "post" in paths["/providers/{slug}/credentials"]
    assert paths["/providers/{slug}/credentials"]["post"]["security"] == [{"apiKey": []}]
    assert paths["/admin/providers"]["post"]["security"] == [{"adminToken": []}]
    assert "/credentials/issue" in paths and "/providers/{slug}/status/{purpose}/{number}" in paths


def test_unknown_route_and_method_are_json(client):
    r = client.get("/nope")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.delete("/health")
    assert r.status_code == 405 and "error" in r.json


def test_refuses_to_start_without_master_key(tmp_path):
    with pytest.raises(ConfigError, match="SKILLPASS_MASTER_KEY is not set"):
        create_app(Config(database_url=f"sqlite:///{tmp_path}/x.db"))
    with pytest.raises(ConfigError, match="SKILLPASS_DEV=1"):
        create_app(Config.from_env({"ISSUER_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}))


def test_dev_flag_uses_an_ephemeral_key_and_warns(tmp_path, caplog):
    caplog.set_level("WARNING")
    app = create_app(Config.from_env({"ISSUER_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SKILLPASS_DEV": "1"}))
    assert "EPHEMERAL master key" in caplog.text
    assert len(app.extensions["issuer"].master_key) == 32
    app.extensions["issuer"].engine.dispose()


def test_from_env(tmp_path):
    master = key_sealing.generate_master_key()
    config = Config.from_env({
        "DATABASE_URL": "sqlite:///fallback.db",
        "SKILLPASS_MASTER_KEY": master,
        "ISSUER_BASE_URL": "https://issuer.example/",
        "ISSUER_ADMIN_TOKEN": "secret-token",
        "ISSUER_RETENTION_DAYS": "0",
        "ISSUER_STATUS_TTL": "600",
        "ISSUER_DEFAULT_PROVIDER": "roc-west",
    })
    assert config.database_url == "sqlite:///fallback.db"
    assert config.base_url == "https://issuer.example"
    assert config.retention_days == 0 and config.status_ttl == 600 and config.default_provider == "roc-west"
    assert config.master_key == key_sealing.parse_master_key(master)
    assert "secret-token" not in repr(config) and master not in repr(config)
    assert Config.from_env({"ISSUER_DATABASE_URL": "sqlite:///a.db", "DATABASE_URL": "sqlite:///b.db"}).database_url == "sqlite:///a.db"
    assert Config.from_env({}).database_url == "sqlite:///var/issuer.db"
    with pytest.raises(ConfigError):
        Config.from_env({"SKILLPASS_MASTER_KEY": "too-short"})
    with pytest.raises(ConfigError):
        Config.from_env({"ISSUER_RETENTION_DAYS": "-1"})
    with pytest.raises(ConfigError):
        Config.from_env({"ISSUER_STATUS_TTL": "soon"})


def test_wrong_master_key_is_a_clear_503(make_app, client, provider):
    from issuer_helpers import micro_request

    other = make_app(master_key=key_sealing.parse_master_key(key_sealing.generate_master_key()))
    r = other.test_client().post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
    assert r.status_code == 503 and r.json["error"] == "signing_key_unavailable"
    from issuer_helpers import counts

    assert counts(other)["credentials"] == 0 and counts(other)["indices"] == 0
