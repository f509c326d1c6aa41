"""Issuer binding and trust: who signed, who the credential says issued it, and whether we believe them.

A signature proves only which key signed. These forgeries make `iss`,
`issuer` and the `kid` DID disagree, borrow the name of an accredited issuer
through a look-alike DID, or come from issuers the registry does not list
(or no longer lists): each is refused with its exact code, an untrusted or
look-alike issuer costs the verifier no request at all, and the names shown
are the registry's, never the credential's.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from adversarial_helpers import checks_of, failed_codes, forge, make_verifier
from verifier_helpers import Holder, Issuer
from vc import jose, keys, model

ATTACKER = keys.generate()


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    from verifier_helpers import FakeWeb

    web = FakeWeb()
    other = Issuer(web, slug="other-college")
    expired = Issuer(web, slug="old-college")
    future = Issuer(web, slug="new-college")
    stranger = Issuer(web, slug="avondschool")  # served, valid, but listed nowhere
    w = make_verifier(
        tmp_path_factory.mktemp("trust"),
        web,
        rate_limit=False,
        extra_issuers=[
            {"id": other.did, "name": "Other College", "accreditation": ["hbo"]},
            {"id": "did:web:gov.example", "name": {"nl": "Rijksoverheid", "en": "Government of the Netherlands"}, "accreditation": ["government"]},
            {"id": expired.did, "name": "Old College", "accreditation": ["mbo"], "validUntil": "2020-01-01T00:00:00Z"},
            {"id": future.did, "name": "New College", "accreditation": ["mbo"], "validFrom": "2099-01-01T00:00:00Z"},
        ],
    )
    w.extra.update(other=other, expired=expired, future=future, stranger=stranger)
    yield w
    w.app.extensions["verifier"].engine.dispose()


def _document(w: Any, issuer: Any, **changes: Any) -> dict[str, Any]:
    document = w.issuer.credential(w.holder.did)
    document["issuer"] = {"id": issuer, "type": ["Profile"], "name": "Rijksoverheid"} if isinstance(issuer, str) else issuer
    document.update(changes)
    return document


def _refused(w: Any, token: str, expected: dict[str, tuple[str, str | None]], *, fetches: bool) -> dict[str, Any]:
    before, w.web.calls[:] = w.counts(), []
    report = w.verify(token)
    found = checks_of(report)
    assert report["verified"] is False
    for check, outcome in expected.items():
        assert found.get(check) == outcome, (check, found.get(check), report["checks"])
    if not fetches:
        assert w.web.calls == [], w.web.calls
    r = w.client.post("/credentials/verify", json={"verifiableCredential": token})
    assert r.status_code == 422 and r.get_json()["error"] == failed_codes(r.get_json())[0]
    assert w.counts() == before
    return report


# --- iss, issuer and kid disagreeing ---------------------------------------------------------------

BINDING: list[tuple[str, Callable[[Any], str], dict[str, tuple[str, str | None]], bool]] = [
    (
        "iss-names-another-trusted-issuer",
        lambda w: jose.sign_jws({**_document(w, w.issuer.did), "iss": w.extra["other"].did}, w.issuer.key, kid=w.issuer.kid, typ="vc+jwt"),
        {"issuer_binding": ("failed", "issuer_mismatch"), "signature": ("passed", None)},
        True,
    ),
    (
        "iss-a-list",
        lambda w: jose.sign_jws({**_document(w, w.issuer.did), "iss": [w.issuer.did]}, w.issuer.key, kid=w.issuer.kid, typ="vc+jwt"),
        {"issuer_binding": ("failed", "issuer_mismatch")},
        True,
    ),
    (
        "issuer-another-trusted-issuer-signed-with-ours",
        lambda w: jose.sign_jws({**_document(w, w.extra["other"].did), "iss": w.issuer.did}, w.issuer.key, kid=w.issuer.kid, typ="vc+jwt"),
        {"issuer_binding": ("failed", "signer_not_issuer"), "did_resolution": ("skipped", "signer_not_issuer"), "signature": ("skipped", "signer_not_issuer")},
        False,
    ),
    (
        "other-issuer-signs-in-our-name",
        lambda w: jose.sign_credential(_document(w, w.issuer.did), w.extra["other"].key, w.extra["other"].kid),
        {"issuer_binding": ("failed", "signer_not_issuer"), "signature": ("skipped", "signer_not_issuer")},
        False,
    ),
    (
        "kid-did-in-other-case",
        lambda w: jose.sign_credential(_document(w, w.issuer.did), w.issuer.key, w.issuer.kid.replace("issuer.test", "ISSUER.TEST")),
        {"issuer_binding": ("failed", "signer_not_issuer")},
        False,
    ),
    (
        "kid-did-percent-encoded-differently",
        lambda w: jose.sign_credential(_document(w, w.issuer.did), w.issuer.key, w.issuer.kid.replace("issuer.test", "issuer%2Etest")),
        {"issuer_binding": ("failed", "signer_not_issuer")},
        False,
    ),
    (
        "issuer-missing",
        lambda w: jose.sign_jws({k: v for k, v in _document(w, w.issuer.did).items() if k != "issuer"} | {"iss": w.issuer.did}, w.issuer.key, kid=w.issuer.kid, typ="vc+jwt"),
        {"trust": ("failed", "untrusted_issuer"), "data_model": ("failed", "invalid_credential")},
        False,
    ),
    (
        "issuer-an-https-url",
        lambda w: jose.sign_credential(_document(w, "https://issuer.test/providers/roc-west"), w.issuer.key, w.issuer.kid),
        {"trust": ("failed", "untrusted_issuer"), "issuer_binding": ("failed", "signer_not_issuer")},
        False,
    ),
    (
        "issuer-object-without-id",
        lambda w: jose.sign_jws({**_document(w, {"name": "ROC West"}), "iss": w.issuer.did}, w.issuer.key, kid=w.issuer.kid, typ="vc+jwt"),
        {"trust": ("failed", "untrusted_issuer"), "data_model": ("failed", "invalid_credential")},
        False,
    ),
]


@pytest.mark.parametrize("build,expected,fetches", [b[1:] for b in BINDING], ids=[b[0] for b in BINDING])
def test_binding(world, build, expected, fetches):
    _refused(world, build(world), expected, fetches=fetches)


# --- look-alike DIDs: refused by exact registry match, before any request -------------------------------

LOOK_ALIKES = [
    "did:web:gov",                                  # the registry lists did:web:gov.example
    "did:web:gov.example.evil.test",
    "did:web:evil.test:gov.example",
    "did:web:GOV.EXAMPLE",
    "did:web:gov.example%3A443",
    "did:web:gov.example:",
    "did:web:gov.example:providers",
    "did:web:gov.examp1e",
    "did:web:g\u043ev.example",                      # Cyrillic o
    "did:web:xn--gv-ilc.example",
    "did:web:gov.example.",
    "did:web:gov%2Eexample",
    "did:web:gov.example\u200b",
    "did:web:issuer.test:providers:roc-wes",        # prefix of a trusted DID
    "did:web:issuer.test:providers:roc-west:x",     # a trusted DID as prefix
    "did:web:issuer.test:providers",
    "did:web:issuer.test%3A443:providers:roc-west",
    "did:web:issuer.test:providers:ROC-WEST",
    "did:web:issuer.test:providers:roc%2Dwest",
]


@pytest.mark.parametrize("did", LOOK_ALIKES)
def test_look_alike_issuer_is_untrusted_and_never_fetched(world, did):
    kid = f"{did}#key-1"
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}, {**_document(world, did), "iss": did}, key=ATTACKER)
    report = _refused(
        world, token,
        {"trust": ("failed", "untrusted_issuer"), "did_resolution": ("skipped", "untrusted_issuer"), "signature": ("skipped", "untrusted_issuer")},
        fetches=False,
    )
    assert "trust" not in report or not (report["trust"] or {}).get("name")
    text = json.dumps(report.get("summary"))
    assert "Rijksoverheid" not in text and "Government of the Netherlands" not in text


def test_look_alike_in_open_mode_is_fetched_but_never_named_or_verified(tmp_path):
    """Open mode resolves unlisted issuers; the verdict still is not 'verified' and no registry name is borrowed."""
    w = make_verifier(tmp_path, rate_limit=False, open_mode=True)
    try:
        stranger = Issuer(w.web, slug="roc-west", host="issuer.test.evil.example")
        holder = Holder()
        token = stranger.issue(holder.did)
        report = w.verify(token)
        assert checks_of(report)["trust"] == ("unknown", "issuer_not_in_registry")
        assert checks_of(report)["signature"] == ("passed", None)
        assert report["verified"] is False
        assert not (report.get("trust") or {}).get("name")
        # the caller may take the trust risk for itself, explicitly
        r = w.client.post("/verify", json={"credential": token, "options": {"acceptUnknown": ["trust"]}})
        assert r.get_json()["verified"] is True
    finally:
        w.app.extensions["verifier"].engine.dispose()


# --- untrusted issuers: nothing fetched, acceptUnknown does not help --------------------------------------


def test_unlisted_issuer_is_refused_without_a_request(world):
    token = world.extra["stranger"].issue(world.holder.did)
    expected = {"trust": ("failed", "untrusted_issuer"), "did_resolution": ("skipped", "untrusted_issuer"),
                "signature": ("skipped", "untrusted_issuer"), "status.revocation": ("skipped", "untrusted_issuer")}
    _refused(world, token, expected, fetches=False)
    # "accept unknown trust" is about open mode; an untrusted issuer is not unknown
    world.web.calls[:] = []
    r = world.client.post("/verify", json={"credential": token, "options": {"acceptUnknown": ["trust", "status"]}})
    assert r.get_json()["verified"] is False and world.web.calls == []


@pytest.mark.parametrize("which,code", [("expired", "accreditation_expired"), ("future", "accreditation_not_yet_valid")])
def test_listed_outside_the_accreditation_period(world, which, code):
    token = world.extra[which].issue(world.holder.did)
    _refused(world, token, {"trust": ("failed", code), "did_resolution": ("skipped", "untrusted_issuer")}, fetches=False)


def test_the_name_is_the_registrys_never_the_credentials(world):
    document = _document(world, {"id": world.issuer.did, "type": ["Profile"], "name": "Rijksoverheid"})
    report = world.verify(jose.sign_credential(document, world.issuer.key, world.issuer.kid))
    assert report["verified"] is True
    assert report["trust"]["name"]["nl"].startswith("ROC ")
    assert "Rijksoverheid" not in json.dumps(report["summary"])


# --- holder binding of presentations ---------------------------------------------------------------


def _vp(w: Any, holder: Holder, credentials: list[str], *, signer: Holder | None = None, nonce: str) -> str:
    signer = signer or holder
    presentation = model.build_presentation(holder.did, [jose.envelope(c) for c in credentials])
    return jose.sign_presentation(presentation, signer.key, signer.kid, nonce=nonce, audience="https://verifier.test", issued_at=1_700_000_000 + 10**8)


PRESENTATIONS = [
    ("someone-elses-credential", lambda w, me, victim: _vp(w, me, [w.issuer.issue(victim.did)], nonce="p1"), "subject_binding", "holder_mismatch"),
    ("signed-by-me-in-the-victims-name", lambda w, me, victim: _vp(w, victim, [w.issuer.issue(victim.did)], signer=me, nonce="p2"), "holder_binding", "holder_not_signer"),
    ("holder-a-did-web", lambda w, me, victim: jose.sign_presentation(
        model.build_presentation(w.issuer.did, [jose.envelope(w.issuer.issue(w.issuer.did))]), w.issuer.key, w.issuer.kid,
        nonce="p3", audience="https://verifier.test"), "holder_signature", "unsupported_did_method"),
    ("no-credentials", lambda w, me, victim: _vp(w, me, [], nonce="p4"), "credentials", "no_credentials"),
]


@pytest.mark.parametrize("build,check,code", [p[1:] for p in PRESENTATIONS], ids=[p[0] for p in PRESENTATIONS])
def test_presentation_binding(world, build, check, code):
    me, victim = Holder(), Holder()
    token = build(world, me, victim)
    nonce = jose.decode_jws(token).payload.get("nonce")
    before, world.web.calls[:] = world.counts(), []
    r = world.client.post("/verify", json={"presentation": token, "nonce": nonce, "audience": "https://verifier.test"})
    report = r.get_json()
    assert r.status_code == 200 and report["verified"] is False
    assert checks_of(report)[check] == ("failed", code), report["checks"]
    assert not [u for u in world.web.calls if "did.json" in u and "roc-west" not in u]
    after = world.counts()
    assert after["presentation_request"] == before["presentation_request"]
    if check in ("holder_binding", "holder_signature"):
        assert after == before  # not the holder's signature: the nonce stays unused


def test_the_holder_did_web_is_never_resolved(world):
    """A holder must be did:key or did:jwk; a did:web holder (pointing anywhere) is not fetched."""
    kid = "did:web:169.254.169.254#key-1"
    presentation = model.build_presentation("did:web:169.254.169.254", [jose.envelope(world.issuer.issue(world.holder.did))])
    token = jose.sign_presentation(presentation, ATTACKER, kid, nonce="n-web", audience="https://verifier.test")
    world.web.calls[:] = []
    report = world.client.post("/verify", json={"presentation": token, "nonce": "n-web"}).get_json()
    assert checks_of(report)["holder_signature"] == ("failed", "unsupported_did_method")
    assert not [u for u in world.web.calls if "169.254" in u]
