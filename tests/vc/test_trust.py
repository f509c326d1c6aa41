"""vc/trust.py: registry parsing and exact-match lookup."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from vc.trust import TRUSTED, UNKNOWN, UNTRUSTED, TrustRegistry, TrustRegistryError

NOW = datetime(2025, 9, 1, tzinfo=timezone.utc)
ROC = "did:web:issuer.example:providers:roc-west"
GOV = "did:web:gov"


def registry(**extra):
    return TrustRegistry.from_json(
        {
            "name": "test registry",
            "issuers": [
                {"id": ROC, "name": {"nl": "ROC West", "en": "ROC West (EN)"}, "accreditation": ["mbo", "EVC provider"]},
                {"id": GOV, "name": "Overheid", "accreditation": "government", **extra},
            ],
        }
    )


def test_trusted_with_registry_name():
    result = registry().lookup(ROC, NOW)
    assert result.status == TRUSTED and result.code is None
    assert result.name == {"nl": "ROC West", "en": "ROC West (EN)"}
    assert result.entry.accreditation == ("mbo", "EVC provider")
    d = result.to_dict()
    assert d["status"] == "trusted" and d["accreditation"] == ["mbo", "EVC provider"]


def test_single_string_name_serves_both_languages():
    assert registry().lookup(GOV, NOW).name == {"nl": "Overheid", "en": "Overheid"}


def test_one_language_falls_back_to_the_other():
    reg = TrustRegistry.from_json({"issuers": [{"id": ROC, "name": {"nl": "Alleen NL"}}]})
    assert reg.lookup(ROC, NOW).name == {"nl": "Alleen NL", "en": "Alleen NL"}


@pytest.mark.parametrize(
    "did",
    [
        "did:web:gov.example",  # look-alike: longer host
        "did:web:go",  # prefix
        "did:web:GOV",  # case
        "did:web:gov:",  # trailing colon
        "did:web:gov#key-1",  # a DID URL
        " did:web:gov",
        "did:web:gov ",
        "did:web:%67ov",  # percent-encoded
        "did:web:issuer.example:providers:roc-west:x",
        "did:web:issuer.example:providers",
        "did:web:issuer.example%3A443:providers:roc-west",
        None,
        42,
    ],
)
def test_only_exact_matches(did):
    result = registry().lookup(did, NOW)
    assert result.status == UNTRUSTED and result.code == "untrusted_issuer" and result.name is None


def test_open_mode_unknown_for_unlisted_only():
    reg = registry()
    assert reg.lookup("did:web:stranger.example", NOW, open_mode=True).status == UNKNOWN
    assert reg.lookup("did:web:stranger.example", NOW, open_mode=True).code == "issuer_not_in_registry"
    assert reg.lookup(ROC, NOW, open_mode=True).status == TRUSTED


def test_validity_period():
    reg = registry(validFrom="2025-01-01T00:00:00Z", validUntil="2025-06-01T00:00:00Z")
    assert reg.lookup(GOV, NOW).code == "accreditation_expired"
    assert reg.lookup(GOV, datetime(2024, 6, 1, tzinfo=timezone.utc)).code == "accreditation_not_yet_valid"
    assert reg.lookup(GOV, datetime(2025, 3, 1, tzinfo=timezone.utc)).status == TRUSTED
    # a lapsed entry stays untrusted in open mode: it is known, and not accredited
    assert reg.lookup(GOV, NOW, open_mode=True).status == UNTRUSTED


def test_from_bytes_and_round_trip():
    data = json.dumps(registry().to_dict()).encode()
    again = TrustRegistry.from_json(data)
    assert len(again) == 2 and again.get(ROC).name["en"] == "ROC West (EN)"
    assert again.name == "test registry"


@pytest.mark.parametrize(
    "document",
    [
        b"not json",
        b'{"issuers": [], "issuers": []}',
        "[]",
        {"issuers": "x"},
        {"issuers": [{"id": "https://not-a-did.example", "name": "x"}]},
        {"issuers": [{"id": "did:example:123", "name": "x"}]},
        {"issuers": [{"id": ROC + "#key-1", "name": "x"}]},
        {"issuers": [{"id": ROC}]},
        {"issuers": [{"id": ROC, "name": ""}]},
        {"issuers": [{"id": ROC, "name": {"de": "nur deutsch"}}]},
        {"issuers": [{"id": ROC, "name": "x", "accreditation": [1]}]},
        {"issuers": [{"id": ROC, "name": "x", "accreditation": {"a": 1}}]},
        {"issuers": [{"id": ROC, "name": "x", "validFrom": "2025-01-01"}]},
        {"issuers": [{"id": ROC, "name": "x", "validFrom": "2025-06-01T00:00:00Z", "validUntil": "2025-01-01T00:00:00Z"}]},
        {"issuers": [{"id": ROC, "name": "x"}, {"id": ROC, "name": "y"}]},
        {"issuers": ["did:web:x"]},
        {"name": 5, "issuers": []},
    ],
)
def test_invalid_registries_are_refused(document):
    with pytest.raises(TrustRegistryError) as info:
        TrustRegistry.from_json(document)
    assert info.value.code == "invalid_trust_registry"


def test_empty_registry():
    reg = TrustRegistry.from_json({"issuers": []})
    assert len(reg) == 0 and reg.lookup(ROC, NOW).status == UNTRUSTED
    assert TrustRegistry().lookup(ROC, NOW).status == UNTRUSTED


def test_registry_is_immutable():
    reg = registry()
    with pytest.raises(TypeError):
        reg.entries["did:web:evil"] = reg.get(ROC)  # type: ignore[index]
