"""`skillpass wallet ...`: a demo citizen, a credential and a share link from the shell."""

from __future__ import annotations

import json

from click.testing import CliRunner

from skillpass.cli import main
from vc import jose, key_sealing, keys
from wallet.cli import group
from wallet_helpers import PASSWORD, token_of


def test_citizen_credential_and_share_from_the_shell(app, issuer, tmp_path):
    runner = CliRunner()
    r = runner.invoke(group, ["add-citizen", "--email", "demo@example.nl", "--password", PASSWORD, "--display-name", "Demo"], obj=app)
    assert r.exit_code == 0, r.output
    profile = json.loads(r.stdout)
    assert profile["did"].startswith("did:key:")

    again = runner.invoke(group, ["add-citizen", "--email", "demo@example.nl", "--password", PASSWORD], obj=app)
    assert again.exit_code != 0 and "account_exists" in again.output

    token, _ = issuer.issue(profile["did"])
    path = tmp_path / "credential.jwt"
    path.write_text(token)
    r = runner.invoke(group, ["import-credential", "--email", "demo@example.nl", "--label", "demo", str(path)], obj=app)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["labels"] == ["demo"]
    enveloped = tmp_path / "skill.json"
    enveloped.write_text(json.dumps(jose.envelope(issuer.issue(profile["did"], "skill")[0])))
    r = runner.invoke(group, ["import-credential", "--email", "demo@example.nl", str(enveloped)], obj=app)
    assert r.exit_code == 0, r.output

    r = runner.invoke(group, ["share", "--email", "demo@example.nl", "--days", "7", "--purpose", "demo"], obj=app)
    assert r.exit_code == 0, r.output
    url = r.stdout.strip()
    assert url.startswith("http://127.0.0.1:5002/s/")
    assert "link expires at" in r.stderr and "\u2588" in r.stderr  # the terminal QR code
    vp = app.test_client().get(f"/s/{token_of(url)}").get_data(as_text=True)
    assert len(jose.decode_jws(vp).payload["verifiableCredential"]) == 2

    missing = runner.invoke(group, ["share", "--email", "nobody@example.nl"], obj=app)
    assert missing.exit_code != 0 and "no account" in missing.output


def test_mounted_under_skillpass_and_db_upgrade(tmp_path, monkeypatch):
    monkeypatch.setenv("WALLET_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SKILLPASS_MASTER_KEY", keys.b64url_encode(key_sealing.parse_master_key(key_sealing.generate_master_key())))
    r = CliRunner().invoke(main, ["wallet", "db-upgrade"])
    assert r.exit_code == 0, r.output
    assert "revision 0002" in r.output  # 0002: share_item.disclose (SD-JWT shares)
    assert CliRunner().invoke(main, ["wallet", "--help"]).exit_code == 0
