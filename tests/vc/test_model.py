"""Tests for vc.model: VC Data Model 2.0 credentials and presentations.

`now` is always pinned; the clock-skew leeway (60 s by default) is tested on
both edges of both ends of the validity period.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from vc import model
from vc.errors import Expired, InvalidCredential, InvalidPresentation, NotYetValid, VerificationError

ISSUER = "did:web:issuer.example"
HOLDER = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
START = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
LEEWAY = timedelta(seconds=60)


def credential(**over) -> dict:
    cred = {
        "@context": [model.VC_V2_CONTEXT, "https://skillpass.example/contexts/v1"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "SkillAttestation"],
        "issuer": ISSUER,
        "validFrom": "2025-03-01T09:00:00Z",
        "validUntil": "2026-03-01T09:00:00Z",
        "credentialSubject": {"id": HOLDER, "skill": "http://data.europa.eu/esco/skill/abc"},
    }
    cred.update(over)
    return {k: v for k, v in cred.items() if v is not DROP}


DROP = object()


def refused(exc: type[Exception], code: str, fn, *args, **kwargs):
    with pytest.raises(VerificationError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is exc, f"{type(info.value).__name__}({info.value.detail!r}) is not {exc.__name__}"
    assert info.value.code == code
    return info.value


# --- building ----------------------------------------------------------------------------


def test_build_credential_has_the_required_members_in_order():
    cred = model.build_credential(
        issuer=ISSUER,
        subject={"id": HOLDER, "name": "Alice"},
        types=["SkillAttestation", "VerifiableCredential"],
        contexts=["https://skillpass.example/contexts/v1", model.VC_V2_CONTEXT],
        valid_from=START,
        valid_until=END,
    )
    assert list(cred)[:6] == ["@context", "id", "type", "issuer", "validFrom", "validUntil"]
    assert cred["@context"] == [model.VC_V2_CONTEXT, "https://skillpass.example/contexts/v1"]
    assert cred["type"] == ["VerifiableCredential", "SkillAttestation"]
    assert cred["validFrom"] == "2025-03-01T09:00:00Z"
    assert cred["validUntil"] == "2026-03-01T09:00:00Z"
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", cred["id"])
    assert cred["credentialSubject"] == {"id": HOLDER, "name": "Alice"}
    model.check_credential(cred)


def test_build_credential_optional_members():
    status = {"id": "https://issuer.example/status/1#94567", "type": "BitstringStatusListEntry"}
    schema = {"id": "https://issuer.example/schemas/skill.json", "type": "JsonSchema"}
    evidence = [{"type": ["Evidence"], "name": "Werkplekbeoordeling"}]
    cred = model.build_credential(
        issuer={"id": ISSUER, "name": "ROC West"},
        subject=[{"id": HOLDER}, {"name": "second subject"}],
        valid_from=START,
        credential_id="https://issuer.example/credentials/1",
        schema=schema,
        status=status,
        evidence=evidence,
        extra={"name": "Lassen"},
    )
    assert "validUntil" not in cred
    assert cred["credentialStatus"] == status and cred["credentialSchema"] == schema and cred["evidence"] == evidence
    assert cred["name"] == "Lassen" and cred["id"] == "https://issuer.example/credentials/1"
    assert model.subject_ids(cred) == [HOLDER]
    assert model.statuses(cred) == [status]


def test_build_credential_refuses_what_check_credential_refuses():
    with pytest.raises(InvalidCredential):
        model.build_credential(issuer="not a url", subject={"id": HOLDER}, valid_from=START)
    with pytest.raises(InvalidCredential):
        model.build_credential(issuer=ISSUER, subject={}, valid_from=START)
    with pytest.raises(InvalidCredential):
        model.build_credential(issuer=ISSUER, subject={"id": HOLDER}, valid_from=END, valid_until=START)


def test_new_ids_are_fresh_uuid_urns():
    ids = {model.new_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("urn:uuid:") for i in ids)


def test_format_datetime_is_utc_seconds_with_z():
    cet = timezone(timedelta(hours=1))
    assert model.format_datetime(datetime(2025, 3, 1, 10, 0, 0, 999_999, tzinfo=cet)) == "2025-03-01T09:00:00Z"
    with pytest.raises(ValueError):
        model.format_datetime(datetime(2025, 3, 1, 9, 0, 0))


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2025-03-01T09:00:00Z", START),
        ("2025-03-01T10:00:00+01:00", START),
        ("2025-03-01T04:30:00-04:30", START),
        ("2025-03-01T09:00:00.5Z", START + timedelta(milliseconds=500)),
        ("2025-03-01T09:00:00.000+00:00", START),
    ],
)
def test_parse_datetime_reads_date_time_stamps(value, expected):
    assert model.parse_datetime(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-01T09:00:00",  # no time zone: an error, not a guess
        "2025-03-01",
        "2025-03-01 09:00:00Z",
        "2025-03-01t09:00:00z",
        "2025-03-01T09:00Z",
        "2025-13-01T09:00:00Z",
        "2025-02-30T09:00:00Z",
        "2025-03-01T24:00:01Z",
        "2025-03-01T09:00:00+25:00",
        "2025-03-01T09:00:00+0100",
        "2025-03-01T09:00:00Z\n",
        "\u0662\u0660\u0662\u0665-03-01T09:00:00Z",  # Arabic-Indic digits
        "1741770000",
        1741770000,
        None,
        "",
    ],
)
def test_parse_datetime_refusals(value):
    err = refused(InvalidCredential, "invalid_credential", model.parse_datetime, value, "validFrom")
    assert "validFrom" in str(err.detail)


# --- check_credential ---------------------------------------------------------------------


def test_a_good_credential_passes():
    model.check_credential(credential())


@pytest.mark.parametrize(
    "over",
    [
        {"issuer": {"id": ISSUER, "name": "ROC West", "image": "https://issuer.example/logo.png"}},
        {"type": "VerifiableCredential"},
        {"@context": [model.VC_V2_CONTEXT]},
        {"@context": [model.VC_V2_CONTEXT, {"@vocab": "https://skillpass.example/vocab#"}]},
        {"id": DROP},
        {"validFrom": DROP, "validUntil": DROP},
        {"validUntil": "2025-03-01T09:00:00Z"},  # equal to validFrom
        {"credentialSubject": [{"id": HOLDER}, {"name": "x"}]},
        {"credentialSubject": {"name": "no id"}},
        {"credentialStatus": [{"id": "https://issuer.example/status/1#1", "type": "BitstringStatusListEntry"}]},
        {"evidence": [{"type": ["Evidence"]}]},
        {"id": "https://issuer.example/credentials/1"},
    ],
)
def test_credentials_the_data_model_allows(over):
    model.check_credential(credential(**over))


@pytest.mark.parametrize(
    "over",
    [
        {"@context": DROP},
        {"@context": []},
        {"@context": [V1_CONTEXT]},
        {"@context": [V1_CONTEXT, model.VC_V2_CONTEXT]},
        {"@context": ["https://skillpass.example/contexts/v1", model.VC_V2_CONTEXT]},
        {"@context": [model.VC_V2_CONTEXT + "/"]},
        {"@context": [model.VC_V2_CONTEXT, 5]},
        {"@context": [model.VC_V2_CONTEXT, None]},
        {"@context": {"@vocab": "x"}},
        {"type": DROP},
        {"type": []},
        {"type": ["SkillAttestation"]},
        {"type": "VerifiablePresentation"},
        {"type": ["verifiablecredential"]},
        {"type": ["VerifiableCredential", 5]},
        {"type": {"0": "VerifiableCredential"}},
        {"id": "not a url"},
        {"id": ""},
        {"id": 5},
        {"id": "urn:uuid:x\n"},
        {"issuer": DROP},
        {"issuer": "not a url"},
        {"issuer": "issuer.example"},
        {"issuer": ""},
        {"issuer": "https://issuer.example/\n"},
        {"issuer": {}},
        {"issuer": {"name": "ROC West"}},
        {"issuer": {"id": "ROC West"}},
        {"issuer": [ISSUER]},
        {"issuer": 5},
        {"credentialSubject": DROP},
        {"credentialSubject": {}},
        {"credentialSubject": []},
        {"credentialSubject": [{}]},
        {"credentialSubject": [{"id": HOLDER}, {}]},
        {"credentialSubject": "did:key:z6Mk"},
        {"credentialSubject": {"id": "alice"}},
        {"credentialSubject": [{"id": HOLDER}, "x"]},
        {"validFrom": "2025-03-01T09:00:00"},
        {"validFrom": "2025-03-01"},
        {"validFrom": 1740819600},
        {"validUntil": "2026-03-01T09:00:00"},
        {"validUntil": "2025-03-01T08:59:59Z"},  # before validFrom
        {"validUntil": "2025-03-01T09:59:59+01:00"},  # before validFrom, in another zone
        {"credentialStatus": "https://issuer.example/status/1"},
        {"credentialStatus": [{"id": "x"}, "y"]},
        {"credentialSchema": 5},
        {"evidence": ["a"]},
    ],
)
def test_credentials_the_data_model_refuses(over):
    refused(InvalidCredential, "invalid_credential", model.check_credential, credential(**over))


@pytest.mark.parametrize("value", [None, [], "credential", 5])
def test_a_credential_must_be_an_object(value):
    refused(InvalidCredential, "invalid_credential", model.check_credential, value)


# --- validity period with leeway -----------------------------------------------------------


def test_within_the_validity_period():
    for now in (START, START + timedelta(days=100), END):
        model.check_validity_period(credential(), now)


def test_not_yet_valid_honours_the_leeway_on_both_sides_of_its_edge():
    model.check_validity_period(credential(), START - LEEWAY)  # exactly 60 s early: accepted
    model.check_validity_period(credential(), START - LEEWAY + SECOND)
    err = refused(NotYetValid, "not_yet_valid", model.check_validity_period, credential(), START - LEEWAY - SECOND)
    assert "2025-03-01T09:00:00Z" in str(err.detail)
    refused(
        NotYetValid,
        "not_yet_valid",
        model.check_validity_period,
        credential(),
        START - LEEWAY - timedelta(microseconds=1),
    )
    refused(NotYetValid, "not_yet_valid", model.check_validity_period, credential(), START - timedelta(days=1))


def test_expired_honours_the_leeway_on_both_sides_of_its_edge():
    model.check_validity_period(credential(), END + LEEWAY)  # exactly 60 s late: accepted
    model.check_validity_period(credential(), END + LEEWAY - SECOND)
    err = refused(Expired, "expired", model.check_validity_period, credential(), END + LEEWAY + SECOND)
    assert "2026-03-01T09:00:00Z" in str(err.detail)
    refused(Expired, "expired", model.check_validity_period, credential(), END + LEEWAY + timedelta(microseconds=1))
    refused(Expired, "expired", model.check_validity_period, credential(), END + timedelta(days=365))


def test_leeway_can_be_changed_or_removed():
    model.check_validity_period(credential(), START - timedelta(minutes=5), leeway=timedelta(minutes=5))
    refused(NotYetValid, "not_yet_valid", model.check_validity_period, credential(), START - SECOND, leeway=timedelta(0))
    refused(Expired, "expired", model.check_validity_period, credential(), END + SECOND, leeway=timedelta(0))
    model.check_validity_period(credential(), START, leeway=timedelta(0))
    model.check_validity_period(credential(), END, leeway=timedelta(0))


def test_validity_is_compared_as_instants_not_as_text():
    cred = credential(validFrom="2025-03-01T10:00:00+01:00", validUntil="2026-03-01T04:00:00-05:00")
    model.check_validity_period(cred, START - LEEWAY)
    model.check_validity_period(cred, END + LEEWAY)
    refused(NotYetValid, "not_yet_valid", model.check_validity_period, cred, START - LEEWAY - SECOND)
    refused(Expired, "expired", model.check_validity_period, cred, END + LEEWAY + SECOND)
    # `now` in another zone is the same instant
    model.check_validity_period(cred, (START - LEEWAY).astimezone(timezone(timedelta(hours=-11))))


def test_open_ended_credentials():
    model.check_validity_period(credential(validUntil=DROP), END + timedelta(days=3650))
    model.check_validity_period(credential(validFrom=DROP), START - timedelta(days=3650))
    refused(Expired, "expired", model.check_validity_period, credential(validFrom=DROP), END + timedelta(hours=1))
    refused(NotYetValid, "not_yet_valid", model.check_validity_period, credential(validUntil=DROP), START - timedelta(hours=1))


def test_a_malformed_date_is_invalid_not_expired():
    refused(
        InvalidCredential,
        "invalid_credential",
        model.check_validity_period,
        credential(validUntil="2026-03-01T09:00:00"),
        START,
    )


# --- helpers ---------------------------------------------------------------------------------


def test_subject_ids_and_statuses():
    assert model.subject_ids(credential()) == [HOLDER]
    assert model.subject_ids(credential(credentialSubject=[{"id": HOLDER}, {"id": 5}, "x", {"id": "did:example:2"}])) == [
        HOLDER,
        "did:example:2",
    ]
    assert model.subject_ids({}) == []
    assert model.statuses(credential()) == []
    assert model.statuses({"credentialStatus": {"id": "a"}}) == [{"id": "a"}]
    assert model.statuses({"credentialStatus": [{"id": "a"}, {"id": "b"}]}) == [{"id": "a"}, {"id": "b"}]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://issuer.example", True),
        ("did:web:issuer.example", True),
        ("urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33", True),
        ("https://x.example/\n", False),
        ("https://x.example/a b", False),
        ("issuer.example", False),
        ("1https://x", False),
        ("https:", False),
        ("", False),
        (None, False),
        ("https://x.example/" + "a" * 5000, False),
    ],
)
def test_is_url(value, expected):
    assert model.is_url(value) is expected


# --- presentations ---------------------------------------------------------------------------


ENVELOPED = {
    "@context": model.VC_V2_CONTEXT,
    "id": "data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln",
    "type": "EnvelopedVerifiableCredential",
}


def presentation(**over) -> dict:
    vp = {
        "@context": [model.VC_V2_CONTEXT],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiablePresentation"],
        "holder": HOLDER,
        "verifiableCredential": [ENVELOPED],
    }
    vp.update(over)
    return {k: v for k, v in vp.items() if v is not DROP}


def test_build_presentation():
    vp = model.build_presentation(HOLDER, [ENVELOPED])
    assert vp["@context"] == [model.VC_V2_CONTEXT]
    assert vp["type"] == ["VerifiablePresentation"]
    assert vp["holder"] == HOLDER
    assert vp["verifiableCredential"] == [ENVELOPED]
    assert vp["id"].startswith("urn:uuid:")
    assert model.build_presentation(HOLDER, [], presentation_id="urn:uuid:1")["id"] == "urn:uuid:1"


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"holder": DROP},
        {"holder": {"id": HOLDER, "name": "Alice"}},
        {"id": DROP},
        {"verifiableCredential": DROP},
        {"verifiableCredential": []},
        {"verifiableCredential": ENVELOPED},
        {"type": "VerifiablePresentation"},
        {"verifiableCredential": [credential()]},
    ],
)
def test_presentations_the_data_model_allows(over):
    model.check_presentation(presentation(**over))


@pytest.mark.parametrize(
    "over",
    [
        {"@context": DROP},
        {"@context": [V1_CONTEXT]},
        {"@context": []},
        {"type": DROP},
        {"type": ["VerifiableCredential"]},
        {"type": []},
        {"holder": "not a url"},
        {"holder": {"name": "Alice"}},
        {"holder": 5},
        {"id": "not a url"},
        {"id": 5},
        {"verifiableCredential": ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"]},
        {"verifiableCredential": [ENVELOPED, None]},
        {"verifiableCredential": "eyJhbGciOiJFZERTQSJ9.e30.c2ln"},
    ],
)
def test_presentations_the_data_model_refuses(over):
    refused(InvalidPresentation, "invalid_presentation", model.check_presentation, presentation(**over))


@pytest.mark.parametrize("value", [None, [], "vp"])
def test_a_presentation_must_be_an_object(value):
    refused(InvalidPresentation, "invalid_presentation", model.check_presentation, value)


def test_build_presentation_refuses_a_bad_holder():
    with pytest.raises(InvalidPresentation):
        model.build_presentation("alice", [ENVELOPED])


def test_model_errors_have_stable_codes():
    for cls, code in [
        (InvalidCredential, "invalid_credential"),
        (InvalidPresentation, "invalid_presentation"),
        (Expired, "expired"),
        (NotYetValid, "not_yet_valid"),
    ]:
        assert issubclass(cls, VerificationError) and cls.code == code


def test_format_datetime_writes_four_digit_years():
    # strftime("%Y") wrote year 1 as "1": not a dateTimeStamp, and the wallet's export/import then lost it
    from datetime import datetime, timezone

    from vc import model

    for year in (1, 999, 1000, 2026, 9999):
        text = model.format_datetime(datetime(year, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
        assert text == f"{year:04d}-01-02T03:04:05Z"
        assert model.parse_datetime(text) == datetime(year, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
