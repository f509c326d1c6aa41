"""POST /verify {"share_url"}: the verifier fetches the wallet's link with its own nonce and audience."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from vc.errors import HTTPStatusError
from vc.fetch import Fetched
from verifier_helpers import AUDIENCE, FakeWeb, Holder, Issuer

SHARE = "https://wallet.test/s/token123"


class FakeWallet:
    """The issuer's pages from FakeWeb, plus one share link answering like the wallet does."""

    def __init__(self, web: FakeWeb, holder: Holder, credentials: list[str]) -> None:
        self.web, self.holder, self.credentials = web, holder, credentials
        self.status = 200
        self.requests: list[dict[str, list[str]]] = []
        self.replay: str | None = None

    def __call__(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        if not url.startswith(SHARE):
            return self.web(url, headers=headers)
        query = parse_qs(urlsplit(url).query)
        self.requests.append(query)
        if self.status != 200:
            raise HTTPStatusError(self.status, url)
        vp = self.replay or self.holder.present(self.credentials, nonce=query["nonce"][0], audience=query["audience"][0])
        return Fetched(url, 200, {"content-type": "application/vp+jwt"}, vp.encode())


@pytest.fixture
def wallet(web: FakeWeb, issuer: Issuer, holder: Holder) -> FakeWallet:
    return FakeWallet(web, holder, [issuer.issue(holder.did)])


def test_share_link_verifies_with_a_fresh_nonce_for_this_verifier(make_app, wallet):
    client = make_app(fetcher=wallet).test_client()
    first = client.post("/verify", json={"share_url": SHARE})
    second = client.post("/verify", json={"share_url": SHARE})
    assert first.status_code == 200 and first.json["verified"] is True, first.json
    assert second.json["verified"] is True
    nonces = [q["nonce"][0] for q in wallet.requests]
    assert len(set(nonces)) == 2 and all(len(n) >= 32 for n in nonces)
    assert all(q["audience"] == [AUDIENCE] for q in wallet.requests)


def test_a_replayed_presentation_from_a_share_link_fails_the_nonce(make_app, wallet, holder, issuer):
    wallet.replay = holder.present(wallet.credentials, nonce="an-old-nonce")
    response = make_app(fetcher=wallet).test_client().post("/verify", json={"share_url": SHARE})
    assert response.status_code == 200
    checks = {c["check"]: c for c in response.json["checks"]}
    assert response.json["verified"] is False
    assert checks["nonce"]["status"] == "failed" and checks["nonce"]["code"] == "nonce_mismatch"


@pytest.mark.parametrize(
    ("wallet_status", "status", "code"),
    [(404, 404, "share_not_found"), (410, 410, "share_expired"), (429, 429, "share_rate_limited"), (500, 502, "share_unavailable")],
)
def test_wallet_refusals_are_passed_on(make_app, wallet, wallet_status, status, code):
    wallet.status = wallet_status
    response = make_app(fetcher=wallet).test_client().post("/verify", json={"share_url": SHARE})
    assert (response.status_code, response.json["error"]) == (status, code)


def test_a_share_link_must_be_https_unless_a_dev_host(make_app, wallet):
    client = make_app(fetcher=wallet).test_client()
    response = client.post("/verify", json={"share_url": "http://wallet.test/s/token123"})
    assert (response.status_code, response.json["error"]) == (400, "invalid_share_url")
    assert wallet.requests == []
