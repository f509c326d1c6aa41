"""`skillpass issuer ...` commands, on the database directly."""

from __future__ import annotations

import json

from click.testing import CliRunner

from issuer.cli import group
from issuer_helpers import ADMIN, counts, did_document, micro_request, skill_request, verify_with_pyjwt
from skillpass.cli import main


def run(app, *args):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(group, list(args), obj=app, catch_exceptions=False)


def test_cli_provider_key_issue_rotate(app, client, tmp_path):
    r = run(app, "add-provider", "--slug", "roc-west", "--name-nl", "ROC West", "--brin", "99ZZ")
    assert r.exit_code == 0, r.output
    assert "did:web:127.0.0.1%3A5001:providers:roc-west" in r.output
    r = run(app, "add-provider", "--slug", "roc-west", "--name-nl", "ROC West")
    assert r.exit_code == 1 and "provider_exists" in r.output
    r = run(app, "add-provider", "--slug", "Bad Slug")
    assert r.exit_code == 1 and "/slug" in r.output

    r = run(app, "create-api-key", "roc-west", "--label", "sis")
    assert r.exit_code == 0
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("sk_")
    assert client.get("/providers/roc-west/credentials", headers={"X-API-Key": key}).status_code == 200

    cohort = tmp_path / "cohort.jsonl"
    lines = [micro_request(), skill_request(), micro_request(issuer="x"), micro_request()]
    cohort.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n", encoding="utf-8")
    before = counts(app)
    r = run(app, "issue", "roc-west", "--file", str(cohort))
    assert r.exit_code == 1  # some lines failed
    results = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert [x["status"] for x in results] == [201, 201, 400, 201, 400]
    assert results[2]["error"]["error"] == "field_not_allowed"
    assert "issued 3, failed 2" in r.output
    assert counts(app)["credentials"] - before["credentials"] == 3
    assert counts(app)["indices"] - before["indices"] == 6
    doc = did_document(client, "roc-west")
    verify_with_pyjwt(results[0]["credential"], doc)

    r = run(app, "rotate-key", "roc-west")
    assert r.exit_code == 0 and "#key-2" in r.output
    doc = did_document(client, "roc-west")
    assert len(doc["assertionMethod"]) == 2
    verify_with_pyjwt(results[0]["credential"], doc)
    r = run(app, "remove-key", "roc-west", "1", "--reason", "compromised")
    assert r.exit_code == 0
    assert len(did_document(client, "roc-west")["assertionMethod"]) == 1
    audit = client.get("/admin/providers/roc-west/audit", headers=ADMIN).json["items"]
    assert {e["actor"] for e in audit} == {"cli"}
    assert key not in json.dumps(audit)
    assert run(app, "purge").exit_code == 0


def test_cli_issue_unknown_provider(app, tmp_path):
    cohort = tmp_path / "c.jsonl"
    cohort.write_text(json.dumps(micro_request()) + "\n", encoding="utf-8")
    r = run(app, "issue", "nobody", "--file", str(cohort))
    assert r.exit_code == 1 and "not_found" in r.output


def test_group_is_mounted_in_skillpass_cli(monkeypatch, tmp_path):
    from vc import key_sealing

    monkeypatch.setenv("SKILLPASS_MASTER_KEY", key_sealing.generate_master_key())
    monkeypatch.setenv("ISSUER_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    r = CliRunner().invoke(main, ["issuer", "add-provider", "--slug", "mbo-x", "--name-en", "MBO X"])
    assert r.exit_code == 0, r.output
    assert "providers:mbo-x" in r.output
    monkeypatch.delenv("SKILLPASS_MASTER_KEY")
    r = CliRunner().invoke(main, ["issuer", "create-api-key", "mbo-x"])
    assert r.exit_code == 1 and "SKILLPASS_MASTER_KEY is not set" in r.output
