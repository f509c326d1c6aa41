"""The people's summary of a report is total: whatever a credential's claims hold, it says
something and never raises. The claims reach it unverified (an unsigned token still gets a
report), so every member can be any JSON value: a number where a list belongs, and so on."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vc.verify import FAILED, PASSED, Check, Report
from verifier.summary import credential_summary, report_body, skills_of

SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
MEMBERS = ("identifier", "achievement", "skill", "name", "id", "alignment", "identityType", "hashed", "identityHash")
# a credentialSubject whose well-known members hold anything at all
ANY = st.deferred(lambda: SCALAR | JSON | st.lists(NODE, max_size=2) | NODE)
NODE = st.fixed_dictionaries({}, optional={m: JSON for m in MEMBERS})
SUBJECT = st.fixed_dictionaries({}, optional={m: ANY for m in MEMBERS})
CLAIMS = st.fixed_dictionaries({}, optional={
    "credentialSubject": SUBJECT | st.lists(SUBJECT, max_size=2) | JSON,
    "name": JSON, "validFrom": JSON, "type": JSON,
})


def _report(claims: dict[str, Any], verified: bool) -> Report:
    report = Report("credential")
    report.claims = claims
    report.verified = verified
    report.checks.append(Check("signature", PASSED if verified else FAILED, None if verified else "invalid_signature"))
    return report


@settings(max_examples=300, deadline=None)
@given(claims=CLAIMS, verified=st.booleans())
def test_the_summary_of_any_claims_is_json_in_both_languages(claims: dict[str, Any], verified: bool) -> None:
    body = report_body(_report(claims, verified))
    summary = body["summary"]
    assert set(summary) == {"nl", "en"}
    assert all(isinstance(summary[lang]["headline"], str) for lang in ("nl", "en"))
    json.dumps(body)  # serialisable as the API sends it


def test_identifier_that_is_not_a_list() -> None:
    # found by a red-team run: `identifier: 5` in an unsigned token gave a 500 on /verify
    for value in (5, True, 1.5, "x", {"identityType": "name", "hashed": False, "identityHash": "Sanne"}):
        summary = credential_summary(_report({"credentialSubject": {"identifier": value}}, False))
        assert summary["en"]["holder"]["name"] in (None, "Sanne")


def test_skills_ignore_what_is_not_an_alignment() -> None:
    claims = {"credentialSubject": {"achievement": {"alignment": [5, {"targetUrl": "http://data.europa.eu/esco/skill/x"}]}, "skill": 7}}
    assert skills_of(claims) == [{"uri": "http://data.europa.eu/esco/skill/x", "label": "http://data.europa.eu/esco/skill/x"}]
