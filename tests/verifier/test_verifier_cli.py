"""`skillpass verifier ...` commands."""

from __future__ import annotations

import json

from click.testing import CliRunner

from skillpass.cli import main
from verifier_helpers import Holder, Issuer, registry_document


def test_check_registry(tmp_path, web):
    issuer = Issuer(web)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(registry_document(issuer)))
    result = CliRunner().invoke(main, ["verifier", "check-registry", str(path)])
    assert result.exit_code == 0, result.output
    assert issuer.did in result.output
    path.write_text('{"issuers": [{"id": "nope"}]}')
    result = CliRunner().invoke(main, ["verifier", "check-registry", str(path)])
    assert result.exit_code != 0 and "not a DID" in result.output


def test_verify_command_untrusted_makes_no_request(tmp_path, web, monkeypatch):
    issuer = Issuer(web)
    token = issuer.issue(Holder().did)
    path = tmp_path / "token.txt"
    path.write_text(token)
    empty = tmp_path / "empty.json"
    empty.write_text('{"issuers": []}')
    monkeypatch.setenv("VERIFIER_TRUST_REGISTRY", str(empty))
    result = CliRunner().invoke(main, ["verifier", "verify", str(path)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["verified"] is False
    assert {c["check"]: c["code"] for c in report["checks"]}["trust"] == "untrusted_issuer"
