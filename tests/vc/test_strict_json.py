"""Tests for vc.strict_json: the JSON parser every token and DID document goes through.

RFC 7515 section 5.2 / RFC 7519 section 4: a parser must refuse duplicate
member names or take the last one; skillpass refuses, so two implementations
can never read different claims out of one signed token.
"""

from __future__ import annotations

import json

import pytest

from vc import strict_json
from vc.errors import DuplicateMember, MalformedToken, VerificationError


def refused(exc: type[Exception], code: str, data, **kwargs) -> Exception:
    with pytest.raises(exc) as info:
        strict_json.loads(data, **kwargs)
    assert type(info.value) is exc
    assert info.value.code == code
    return info.value


# --- what parses -----------------------------------------------------------------


def test_plain_json_parses_from_text_and_utf8_bytes():
    text = '{"a":[1,2.5,-3,true,false,null,"x"],"b":{"c":"\\u00e9\\ud83d\\ude00"}}'
    expected = {"a": [1, 2.5, -3, True, False, None, "x"], "b": {"c": "é😀"}}
    assert strict_json.loads(text) == expected
    assert strict_json.loads(text.encode("utf-8")) == expected
    assert strict_json.loads("Grüße ✓".join(['"', '"']).encode("utf-8")) == "Grüße ✓"


def test_scalars_and_empty_containers_parse():
    assert strict_json.loads("1") == 1
    assert strict_json.loads('"s"') == "s"
    assert strict_json.loads("[]") == []
    assert strict_json.loads("{}") == {}
    assert strict_json.loads("1.5e3") == 1500.0
    assert strict_json.loads("-0.0") == 0.0


def test_large_but_finite_numbers_parse():
    assert strict_json.loads("1.7976931348623157e308") == 1.7976931348623157e308
    assert strict_json.loads("12345678901234567890123456789") == 12345678901234567890123456789


def test_the_same_name_in_different_objects_is_not_a_duplicate():
    assert strict_json.loads('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":3}]}')["c"] == [{"id": 3}, {"id": 3}]


# --- duplicate member names -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"iss":"did:web:good.example","iss":"did:web:evil.example"}',
        '{"a":1,"b":2,"a":1}',  # even with the same value
        '{"outer":{"inner":{"x":1,"x":2}}}',
        '[{"ok":1},{"dup":1,"dup":2}]',
        '{"iss":"a","\\u0069ss":"b"}',  # the same name spelt with an escape
        '{"":1,"":2}',
    ],
)
def test_duplicate_member_names_are_refused(text):
    err = refused(DuplicateMember, "duplicate_member", text)
    assert isinstance(err, MalformedToken) and isinstance(err, VerificationError)


def test_duplicate_member_detail_names_the_member_but_bounded():
    name = "n" * 1000
    err = refused(DuplicateMember, "duplicate_member", json.dumps({name: 1})[:-1] + f',"{name}":2}}')
    assert len(str(err.detail)) < 200


# --- what JSON is not -------------------------------------------------------------


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"exp":NaN}', '{"exp":Infinity}', "[-Infinity]"])
def test_nan_and_infinity_literals_are_refused(text):
    refused(MalformedToken, "malformed_token", text)


@pytest.mark.parametrize("text", ["1e400", "-1e400", '{"iat":1e400}', '{"iat":1E+999}', "[123.0e99999]"])
def test_numbers_that_overflow_to_infinity_are_refused(text):
    # Python's float() would quietly turn these into inf, i.e. the Infinity the parser refuses.
    refused(MalformedToken, "malformed_token", text)


def test_absurdly_long_integers_are_refused():
    refused(MalformedToken, "malformed_token", "9" * 5000)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "{",
        '{"a":1,}',
        "[1,]",
        "{'a':1}",
        '{"a":1} {"b":2}',
        '{"a":1}x',
        "// comment\n{}",
        '{"a":01}',
        '{"a":.5}',
        '{"a":"unterminated}',
        '{"a":"tab\tinside"}',
        '{"a":undefined}',
        '\ufeff{"a":1}',
    ],
)
def test_invalid_json_is_malformed(text):
    refused(MalformedToken, "malformed_token", text)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe{}", b'{"a":"\xc3"}', b'{"a":"\xed\xa0\x80"}', b'{"a":"\xc0\xaf"}', b"\xef\xbb\xbf{}"],
)
def test_bytes_that_are_not_utf8_are_refused(data):
    refused(MalformedToken, "malformed_token", data)


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',
        '"\\udfff"',
        '{"a":"x\\ud83dy"}',
        '{"\\ud800":1}',
        '[["\\ude00\\ud83d"]]',  # a pair in the wrong order is two lone halves
    ],
)
def test_lone_surrogate_escapes_are_refused(text):
    refused(MalformedToken, "malformed_token", text)


# --- nesting ----------------------------------------------------------------------


def test_nesting_up_to_the_limit_parses_and_one_more_is_refused():
    limit = strict_json.MAX_DEPTH
    assert strict_json.loads("[" * limit + "]" * limit) is not None
    refused(MalformedToken, "malformed_token", "[" * (limit + 1) + "]" * (limit + 1))
    deep_objects = '{"a":' * (limit + 1) + "1" + "}" * (limit + 1)
    refused(MalformedToken, "malformed_token", deep_objects)


def test_very_deep_nesting_is_refused_without_recursion_error():
    for text in ("[" * 200_000 + "]" * 200_000, "[" * 200_000, '{"a":' * 100_000):
        refused(MalformedToken, "malformed_token", text)


def test_brackets_inside_strings_do_not_count_as_nesting():
    inside = "[{" * 500
    assert strict_json.loads(json.dumps({"a": inside, "b": ['x\\"[[[[', "]]"]})) == {
        "a": inside,
        "b": ['x\\"[[[[', "]]"],
    }
    # an escaped quote does not end the string early
    assert strict_json.loads('{"a":"\\"' + "[" * 100 + '"}') == {"a": '"' + "[" * 100}


def test_max_depth_can_be_lowered():
    assert strict_json.loads("[[1]]", max_depth=2) == [[1]]
    refused(MalformedToken, "malformed_token", "[[[1]]]", max_depth=2)


# --- the orjson fast path reads exactly what the standard parser reads -------------


def _standard(data):
    """What the standard-library path alone makes of `data` (value, or exception type and code)."""
    fast = strict_json._fast_loads
    try:
        strict_json._fast_loads = lambda _data, _depth: strict_json._SLOW
        return strict_json.loads(data)
    except MalformedToken as exc:
        return (type(exc), exc.code)
    finally:
        strict_json._fast_loads = fast


def _either(data):
    try:
        return strict_json.loads(data)
    except MalformedToken as exc:
        return (type(exc), exc.code)


@pytest.mark.parametrize(
    "text",
    [
        '{"iss":"did:web:a","iss":"did:web:a"}',  # a duplicate with the same value
        '{"a":{"b":"x:y","b":"x:y"}}',
        '{"a":[{"k":1},{"k":1,"k":1}]}',
        '{"a":"x","a":{}}',  # the dropped member holds no other colon
        '{"a":{},"a":"x"}',
        '{"a\\/b":1,"a/b":2}',  # one name, two spellings without a \u escape
        '{"u":"https://a.example/x","v":{"w":"did:web:a:b","w":"did:web:a:b"}}',
        '{"n":18446744073709551616}',  # beyond 64 bits: orjson would read a float
        '{"n":-9223372036854775809}',
        '{"n":12345678901234567890123}',
        '{"n":1e400}',
        '{"a":"\\u003a","a":"x"}',  # an escaped colon cannot hide a duplicate
        '{"s":"\\u0000"}',
        '{"a":1.0,"b":1e5,"c":-0.0,"d":5e-324,"e":1.7976931348623157e308}',
        '{"a":true,"b":null,"c":[],"d":{}}',
        '{"a":"é😀 ✓","b":"line\\nbreak","c":"quote\\"colon:"}',
        "[" * 64 + "]" * 64,
        "[" * 65 + "]" * 65,
        '\ufeff{}',
        '{"a":"\\ud800"}',
        # \\u escapes other than the colon's are read by the fast path: same answers
        '{"a\\u0062":1,"ab":2}',  # one name, two spellings
        '{"ab":1,"a\\u0062":2}',
        '{"\\u00e9t\\u00e9":"\\u00e9","n":"Jo\\u00ebl"}',
        '{"a":"\\ud83d\\ude00"}',  # a surrogate pair: one character
        '{"a":"\\udc00x"}',  # a lone low surrogate
        '{"a":"x\\ud800"}',
        '{"a\\u003A":1,"a:":2}',  # an upper-case escaped colon
        '{"q":"\\u0022:\\u005c","q":"x"}',
    ],
)
def test_fast_path_agrees_with_the_standard_parser(text):
    for data in (text, text.encode("utf-8")):
        assert _either(data) == _standard(data)
        assert type(_either(data)) is type(_standard(data))


def test_fast_path_refuses_duplicates_with_the_standard_detail():
    err = refused(DuplicateMember, "duplicate_member", b'{"a":{"iss":"x"},"b":1,"a":{"iss":"x"}}')
    assert "'a'" in str(err.detail)


def test_big_integers_stay_integers():
    value = strict_json.loads(b'{"n":18446744073709551616,"m":[123456789012345678901]}')
    assert value == {"n": 18446744073709551616, "m": [123456789012345678901]}
    assert type(value["n"]) is int


# --- dumps ------------------------------------------------------------------------


def test_dumps_is_compact_utf8_and_round_trips():
    value = {"b": [1, {"c": "é"}], "a": "😀"}
    text = strict_json.dumps(value)
    assert text == '{"b":[1,{"c":"é"}],"a":"😀"}'
    assert strict_json.loads(text.encode("utf-8")) == value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"exp": float("-inf")}])
def test_dumps_refuses_what_loads_would_refuse(value):
    with pytest.raises(ValueError):
        strict_json.dumps(value)


def test_error_classes_have_stable_codes():
    assert DuplicateMember.code == "duplicate_member"
    assert MalformedToken.code == "malformed_token"
    err = DuplicateMember("x")
    assert err.to_dict() == {"error": "duplicate_member", "detail": "x"}


# --- the same, on generated documents: names that collide through escapes, escaped colons -----------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CHARS = st.sampled_from(list("ab:/é😀\"\\") + ["\u0000", "\ud800"])


@st.composite
def _spelled(draw, text: str) -> str:
    """`text` as a JSON string, each character written plainly or as a \\u escape, at random."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else ch)
        elif ord(ch) <= 0xFFFF and draw(st.booleans()):
            out.append(f"\\u{ord(ch):04{'x' if draw(st.booleans()) else 'X'}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@st.composite
def _documents(draw, depth: int = 0) -> str:
    names = draw(st.lists(st.text(_CHARS, max_size=3), max_size=4))
    names += draw(st.lists(st.sampled_from(names), max_size=2)) if names else []  # duplicates, maybe spelled otherwise
    members = []
    for name in names:
        value = draw(_documents(depth + 1)) if depth < 2 and draw(st.booleans()) else draw(_spelled(draw(st.text(_CHARS, max_size=3))))
        members.append(f"{draw(_spelled(name))}:{value}")
    return "{" + ",".join(members) + "}"


@settings(max_examples=400, deadline=None)
@given(_documents())
def test_fast_path_agrees_with_the_standard_parser_on_generated_documents(text):
    for data in (text, text.encode("utf-8", "surrogatepass")):
        assert _either(data) == _standard(data)
