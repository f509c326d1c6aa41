"""The whole system as its users meet it, over real HTTP between three real servers.

Issuer, wallet and verifier each run as their own HTTP server on 127.0.0.1
(werkzeug, one thread each, port 0) with their own SQLite database; they reach
each other only through HTTP, with the guarded fetcher allowing exactly these
development hosts. The test talks to them as a provider's system, a citizen
and an employer would, with `requests`:

provider issues -> citizen imports -> citizen shares -> employer verifies the
link -> provider revokes -> employer sees revoked -> citizen revokes the link
-> employer gets 404.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from e2e_helpers import Server, start_system, stop_system

ADMIN_TOKEN = "e2e-admin-" + "a" * 32


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, Server]]:
    servers = start_system(tmp_path, admin_token=ADMIN_TOKEN, slug="roc-e2e", name={"nl": "ROC E2E", "en": "ROC E2E"})
    yield servers
    stop_system(servers)


def _subject(example: str) -> dict[str, Any]:
    document = json.loads((files("skillpass_schemas") / "examples" / example).read_text(encoding="utf-8"))
    subject = dict(document["credentialSubject"])
    subject.pop("id", None)
    return subject


def test_issue_keep_share_verify_revoke(system: dict[str, Server]) -> None:
    issuer, wallet, verifier = (system[n].url for n in ("issuer", "wallet", "verifier"))
    http = requests.Session()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    # A provider is created and given an API key.
    provider = http.post(f"{issuer}/admin/providers", headers=admin, timeout=30, json={
        "slug": "roc-e2e", "name": {"nl": "ROC E2E", "en": "ROC E2E"}, "country": "NL"})
    assert provider.status_code == 201, provider.text
    api_key = http.post(f"{issuer}/admin/providers/roc-e2e/api-keys", headers=admin, json={"label": "e2e"}, timeout=30).json()["key"]
    api = {"Authorization": f"Bearer {api_key}"}

    # A citizen registers; the wallet makes her holder DID.
    registered = http.post(f"{wallet}/auth/register", timeout=30, json={"email": "fatima@example.nl", "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    citizen = {"Authorization": f"Bearer {registered.json()['token']}"}
    holder = http.get(f"{wallet}/me", headers=citizen, timeout=30).json()["did"]

    # The provider issues a microcredential to her, and she imports it (the wallet verifies it over HTTP).
    issued = http.post(f"{issuer}/providers/roc-e2e/credentials", headers=api, timeout=30, json={
        "type": "microcredential", "holder": holder,
        "subject": _subject("microcredential-roc-veilig-werken-met-warmtepompen.json")})
    assert issued.status_code == 201, issued.text
    imported = http.post(f"{wallet}/credentials", headers=citizen, json={"credential": issued.json()["credential"]}, timeout=60)
    assert imported.status_code == 201, imported.text
    assert imported.json()["status"] == "valid" and imported.json()["trusted"] is True

    # She shares it; the employer verifies the link.
    share = http.post(f"{wallet}/shares", headers=citizen, timeout=30, json={
        "credential_ids": [imported.json()["id"]], "purpose": "sollicitatie bij Installatiebedrijf Noord"})
    assert share.status_code == 201, share.text
    share_url, share_id = share.json()["url"], share.json()["id"]
    report = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60)
    assert report.status_code == 200, report.text
    assert report.json()["verified"] is True, report.json()
    [inner] = report.json()["credentials"]
    assert inner["trust"]["name"]["nl"] == "ROC E2E"

    # The provider revokes; the employer sees it revoked.
    revoked = http.post(f"{issuer}/providers/roc-e2e/credentials/{issued.json()['id']}/revoke", headers=api,
                        json={"reason": "fraude bij examen"}, timeout=30)
    assert revoked.status_code == 200, revoked.text
    report = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60).json()
    assert report["verified"] is False
    [inner] = report["credentials"]
    revocation = next(c for c in inner["checks"] if c["check"] == "status.revocation")
    assert (revocation["status"], revocation["code"]) == ("failed", "revoked")

    # The citizen sees it as revoked in her wallet, not deleted.
    checked = http.post(f"{wallet}/credentials/{imported.json()['id']}/check", headers=citizen, timeout=60)
    assert checked.status_code == 200 and checked.json()["status"] == "revoked"

    # She revokes the link; the employer gets 404.
    assert http.delete(f"{wallet}/shares/{share_id}", headers=citizen, timeout=30).status_code == 200
    gone = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60)
    assert (gone.status_code, gone.json()["error"]) == (404, "share_not_found")

    # Both views before the revocation of the link are in her view log, with the verifier as audience.
    views = http.get(f"{wallet}/shares/{share_id}/views", headers=citizen, timeout=30).json()["items"]
    assert len(views) == 2 and {v["audience"] for v in views} == {verifier}
