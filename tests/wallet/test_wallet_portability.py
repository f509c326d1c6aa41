"""Export and import: the whole dossier out as portable JSON, and back."""

from __future__ import annotations

import json

from wallet_helpers import PASSWORD, keep, register, share, token_of


def test_export_holds_the_dossier_and_no_secrets(client, alice, issuer):
    micro = keep(client, alice, issuer.issue(alice.did)[0], labels=["cv"], note="mbo-niveau 3")
    keep(client, alice, issuer.issue(alice.did, "skill")[0])
    link = share(client, alice, [micro["id"]], purpose="sollicitatie", max_views=4)
    client.get(f"/s/{token_of(link['url'])}", query_string={"nonce": "n1", "audience": "https://jansen.example"})

    r = client.get("/export", headers=alice.headers)
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    dossier = r.get_json()
    assert dossier["format"] == "skillpass-wallet-dossier" and dossier["version"] == 1
    assert dossier["account"]["email"] == alice.email and dossier["account"]["did"] == alice.did
    assert dossier["account"]["display_name"] == "Alice de Vries"
    assert len(dossier["credentials"]) == 2
    first = dossier["credentials"][0]
    assert first["credential"] == micro["credential"] and first["labels"] == ["cv"] and first["note"] == "mbo-niveau 3"
    assert first["format"] == "vc+jwt" and "credential_valid_until" in first
    [exported_share] = dossier["shares"]
    assert exported_share["purpose"] == "sollicitatie" and exported_share["credential_ids"] == [micro["id"]]
    assert "link_expires_at" in exported_share and exported_share["views"] == 1
    assert exported_share["view_log"][0]["audience"] == "https://jansen.example"

    text = json.dumps(dossier)
    assert token_of(link["url"]) not in text and "/s/" not in text
    assert alice.token not in text and PASSWORD not in text and "$argon2" not in text
    assert "sealed" not in text and '"d":' not in text and "password" not in text


def test_round_trip_into_the_same_account(client, alice, issuer):
    micro = keep(client, alice, issuer.issue(alice.did)[0], labels=["cv", "werk"], note="eerste baan")
    skill = keep(client, alice, issuer.issue(alice.did, "skill")[0])
    revoked_index = None
    token, revoked_index = issuer.issue(alice.did)
    revoked = keep(client, alice, token)
    dossier = client.get("/export", headers=alice.headers).get_json()

    # importing it as it is: everything is there already
    r = client.post("/import", json=dossier, headers=alice.headers)
    assert r.status_code == 200
    assert r.get_json()["imported"] == [] and len(r.get_json()["skipped"]) == 3
    assert all(s["reason"] == "duplicate" for s in r.get_json()["skipped"])

    for cred in (micro, skill, revoked):
        client.delete(f"/credentials/{cred['id']}", headers=alice.headers)
    issuer.set_bit("revocation", revoked_index)  # revoked meanwhile: restored, shown as revoked
    r = client.post("/import", json=dossier, headers=alice.headers)
    assert r.status_code == 200
    result = r.get_json()
    assert len(result["imported"]) == 3 and result["rejected"] == [] and result["skipped"] == []
    assert result["shares"]["imported"] == 0

    listed = client.get("/credentials", headers=alice.headers).get_json()["items"]
    by_id = {c["credential_id"]: c for c in listed}
    assert by_id[micro["credential_id"]]["labels"] == ["cv", "werk"]
    assert by_id[micro["credential_id"]]["note"] == "eerste baan"
    assert by_id[micro["credential_id"]]["imported_at"] == micro["imported_at"]
    assert by_id[revoked["credential_id"]]["status"] == "revoked"
    assert by_id[skill["credential_id"]]["status"] == "valid"
    again = client.get("/export", headers=alice.headers).get_json()
    assert sorted(c["credential"] for c in again["credentials"]) == sorted(c["credential"] for c in dossier["credentials"])


def test_import_into_another_account_refuses_credentials_bound_to_the_old_did(client, alice, issuer):
    keep(client, alice, issuer.issue(alice.did)[0])
    unbound = keep(client, alice, issuer.issue(None)[0], labels=["open"])
    dossier = client.get("/export", headers=alice.headers).get_json()
    client.delete("/me", headers=alice.headers)

    newcomer = register(client, alice.email)
    r = client.post("/import", json=dossier, headers=newcomer.headers)
    assert r.status_code == 200
    result = r.get_json()
    assert [i["credential_id"] for i in result["imported"]] == [unbound["credential_id"]]
    [rejected] = result["rejected"]
    codes = {c["check"]: c["code"] for c in rejected["detail"]["checks"]}
    assert codes["holder_binding"] == "holder_mismatch"
    items = client.get("/credentials", headers=newcomer.headers).get_json()["items"]
    assert [c["labels"] for c in items] == [["open"]]


def test_import_refuses_bad_documents(client, alice, issuer):
    for bad in (
        {"format": "other", "version": 1},
        {"format": "skillpass-wallet-dossier", "version": 2},
        {"format": "skillpass-wallet-dossier", "version": 1, "credentials": [{"credential": "x", "account_id": "y"}]},
        {"format": "skillpass-wallet-dossier", "version": 1, "owner": "y"},
    ):
        r = client.post("/import", json=bad, headers=alice.headers)
        assert r.status_code == 400, bad
    junk = {"format": "skillpass-wallet-dossier", "version": 1, "credentials": [{"credential": "not a token"}]}
    r = client.post("/import", json=junk, headers=alice.headers)
    assert r.status_code == 200 and r.get_json()["rejected"][0]["reason"] == "malformed"
    token, _ = issuer.issue(alice.did)
    twice = {"format": "skillpass-wallet-dossier", "version": 1, "credentials": [{"credential": token}, {"credential": token}]}
    result = client.post("/import", json=twice, headers=alice.headers).get_json()
    assert len(result["imported"]) == 1 and result["skipped"][0]["reason"] == "duplicate"
