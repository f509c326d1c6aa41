"""vc/token_status_list.py: IETF Token Status List (draft-ietf-oauth-status-list).

1. The draft's examples and Appendix C test vectors (1-, 2-, 4-bit lists of
   2^20 entries): decoding gives exactly the listed statuses, and encoding the
   same statuses gives exactly the vector's bytes (zlib at the highest level).
   The long vectors are taken from the draft's CBOR encodings (hex), whose
   `lst` bytes are the compressed array itself.
2. The bit order: least significant bit first, unlike the W3C Bitstring
   Status List; `from_bitstring` and `combine` convert a stored W3C list.
3. Refusals: what is not base64url, not ZLIB, truncated, trailing, too large.
4. The reference (`status.status_list`) and the Status List Token claims.
"""

from __future__ import annotations

import zlib

import pytest

from vc import keys
from vc.errors import DecompressionLimit, StatusIndexOutOfRange, StatusListError
from vc.status_list import StatusList
from vc.token_status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    EncodedListError,
    StatusListTokenMismatch,
    TokenStatusList,
    TokenStatusListError,
    check_status_list_token,
    parse_reference,
    status_list_token_payload,
    status_name,
    status_reference,
)

# --- 1. the draft's vectors -------------------------------------------------------------------

# Section 4.1 / 4.2: 16 entries of 1 bit, 12 entries of 2 bits.
SHORT_1BIT = ([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], bytes([0xB9, 0xA3]), "eNrbuRgAAhcBXQ")
SHORT_2BIT = ([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3], bytes([0xC9, 0x44, 0xF9]), "eNo76fITAAPfAgc")

# Appendix C: lists of 2^20 entries; the compressed bytes from the CBOR encodings (after `lst`).
C1_STATUSES = {0: 1, 1993: 1, 25460: 1, 159495: 1, 495669: 1, 554353: 1, 645645: 1, 723232: 1, 854545: 1, 934534: 1, 1000345: 1}
C1_ZLIB = (
    "78daeddc010dc0200c0041a88249400ad2903e0f4b"
    "ba00bd93f002beb7a2a2010000a91e09000000000000000000000000000000807296"
    "04000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000005c6f4800000000000000fc2c240000000000000000000000be1b12"
    "000000000000000000ecaa4b000000000000000000000000000000009b0b09000000"
    "00000000000038de9400000000000000002a30cc010000000080642f0bd8011b"
)
C2_STATUSES = {0: 1, 1993: 2, 25460: 1, 159495: 3, 495669: 1, 554353: 1, 645645: 2, 723232: 1, 854545: 1, 934534: 2, 1000345: 3}
C2_ZLIB = (
    "78daeddb310d00211000412ea1a04004fe5520ed"
    "357c28c81d3312b6df68bc65480000000000406e2101000000000000000000000000"
    "0000000000000000000000000000000000000040795b020000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000"
    "0080f4ba0400000000000000000000000000406d764a000000000000000000000000"
    "000000000000000000e0922101000000000000000000000000000000000000fc1312"
    "00000000000000000000000000000000000000000000000000000000000000c0912e"
    "01000000000000000000000000000000000000c07d4b020000000000000000000000"
    "00000000a8614a0000000000000000000000406a1fcd60010c"
)
C3_STATUSES = {
    0: 1, 1993: 2, 35460: 3, 459495: 4, 595669: 5, 754353: 6, 845645: 7, 923232: 8, 924445: 9, 934534: 10,
    1004534: 11, 1000345: 12, 1030203: 13, 1030204: 14, 1030205: 15,
}


def _listing(tsl: TokenStatusList) -> dict[int, int]:
    raw = tsl.to_bytes()
    per_byte = 8 // tsl.bits
    return {b * per_byte + s: tsl.get(b * per_byte + s) for b, byte in enumerate(raw) if byte for s in range(per_byte) if tsl.get(b * per_byte + s)}


@pytest.mark.parametrize("statuses, raw, lst, bits", [(*SHORT_1BIT, 1), (*SHORT_2BIT, 2)], ids=["1-bit", "2-bit"])
def test_draft_section_4_examples(statuses: list[int], raw: bytes, lst: str, bits: int) -> None:
    tsl = TokenStatusList.new(len(statuses), bits)
    for index, value in enumerate(statuses):
        tsl.set(index, value)
    assert tsl.to_bytes() == raw
    assert tsl.encode() == lst
    assert tsl.to_json() == {"bits": bits, "lst": lst}
    decoded = TokenStatusList.from_json({"bits": bits, "lst": lst})
    assert [decoded.get(i) for i in range(len(statuses))] == statuses


@pytest.mark.parametrize(
    "statuses, compressed, bits",
    [(C1_STATUSES, C1_ZLIB, 1), (C2_STATUSES, C2_ZLIB, 2)],
    ids=["C.1 1-bit", "C.2 2-bit"],
)
def test_appendix_c_vectors_decode_and_encode_exactly(statuses: dict[int, int], compressed: str, bits: int) -> None:
    lst = keys.b64url_encode(bytes.fromhex(compressed))
    decoded = TokenStatusList.decode(lst, bits)
    assert len(decoded) == 2**20
    assert _listing(decoded) == statuses
    built = TokenStatusList.new(2**20, bits)
    for index, value in statuses.items():
        built.set(index, value)
    assert built.encode() == lst


def test_appendix_c3_four_bit_list_round_trips() -> None:
    built = TokenStatusList.new(2**20, 4)
    for index, value in C3_STATUSES.items():
        built.set(index, value)
    assert _listing(TokenStatusList.from_json(built.to_json())) == C3_STATUSES


def test_eight_bit_list() -> None:
    tsl = TokenStatusList.new(1000, 8)
    tsl.set(999, 0xFF)
    tsl.set(3, 0x0C)
    assert tsl.to_bytes()[999] == 0xFF and _listing(TokenStatusList.from_json(tsl.to_json())) == {3: 0x0C, 999: 0xFF}


# --- 2. bit order, and the W3C list -----------------------------------------------------------


def test_least_significant_bit_first_unlike_the_w3c_list() -> None:
    tsl = TokenStatusList.new(16, 1)
    tsl.set(0, 1)
    assert tsl.to_bytes() == b"\x01\x00"  # W3C: 0x80
    w3c = StatusList.new()
    w3c.set(0, 1)
    assert w3c.to_bytes()[0] == 0x80
    two = TokenStatusList.new(8, 2)
    two.set(1, SUSPENDED)
    assert two.to_bytes() == bytes([0b0000_1000, 0])


def test_from_bitstring_keeps_every_index() -> None:
    w3c = StatusList.new()
    revoked = [0, 1, 7, 8, 9, 1234, 65_535, 131_071]
    for index in revoked:
        w3c.set(index, 1)
    tsl = TokenStatusList.from_bitstring(w3c.to_bytes())
    assert tsl.bits == 1 and len(tsl) == len(w3c)
    assert [i for i in range(len(tsl)) if tsl.get(i)] == revoked


def test_combine_revocation_bitstring_and_suspensions() -> None:
    w3c = StatusList.new()
    for index in (5, 8, 131_071):
        w3c.set(index, 1)
    tsl = TokenStatusList.combine(w3c.to_bytes(), suspended=[6, 8, 42])
    assert tsl.bits == 2 and len(tsl) == len(w3c)
    assert _listing(tsl) == {5: INVALID, 6: SUSPENDED, 8: INVALID, 42: SUSPENDED, 131_071: INVALID}  # revocation wins at 8
    assert tsl.get(7) == VALID
    # and it survives the wire
    assert TokenStatusList.from_json(tsl.to_json()) == tsl


def test_status_names() -> None:
    assert [status_name(v) for v in (0, 1, 2, 3, 12)] == ["VALID", "INVALID", "SUSPENDED", "0x03", "0x0C"]


# --- 3. refusals ----------------------------------------------------------------------------


def _lst(data: bytes) -> str:
    return keys.b64url_encode(data)


@pytest.mark.parametrize(
    "lst, error",
    [
        ("", EncodedListError),
        (123, EncodedListError),
        ("eNrbuRgAAhcBXQ==", EncodedListError),  # padding
        ("eNrbuRgAAhc+XQ", EncodedListError),  # not url-safe
        ("eNrbuRgAAhcBXR", EncodedListError),  # non-canonical last character
        (_lst(b"not zlib at all"), EncodedListError),
        (_lst(zlib.compress(b"\x01\x02", 9)[:-3]), EncodedListError),  # truncated
        (_lst(zlib.compress(b"\x01\x02", 9) + b"x"), EncodedListError),  # data after the stream
        (_lst(zlib.compress(b"\x01\x02", 9, wbits=31)), EncodedListError),  # gzip, not zlib
        (_lst(zlib.compress(b"\x01\x02", 9, wbits=-15)), EncodedListError),  # raw deflate
        (_lst(zlib.compress(b"", 9)), TokenStatusListError),  # empty list
    ],
)
def test_refuses_what_is_not_a_zlib_list(lst: object, error: type) -> None:
    with pytest.raises(error):
        TokenStatusList.decode(lst, 1)


def test_refuses_a_list_that_inflates_beyond_the_cap() -> None:
    bomb = _lst(zlib.compress(bytes(64 * 1024), 9))
    with pytest.raises(DecompressionLimit):
        TokenStatusList.decode(bomb, 1, max_bytes=16 * 1024)
    assert len(TokenStatusList.decode(bomb, 1, max_bytes=64 * 1024)) == 64 * 1024 * 8
    with pytest.raises(DecompressionLimit):
        TokenStatusList.decode("A" * 100_000, 1, max_bytes=1024)  # refused unread
    with pytest.raises(ValueError):
        TokenStatusList.decode(bomb, 1, max_bytes=0)


@pytest.mark.parametrize("bits", [0, 3, 16, True, "1", None])
def test_refuses_bits_other_than_1_2_4_8(bits: object) -> None:
    with pytest.raises(TokenStatusListError):
        TokenStatusList.decode("eNrbuRgAAhcBXQ", bits)


def test_index_and_value_bounds() -> None:
    tsl = TokenStatusList.new(16, 2)
    with pytest.raises(StatusIndexOutOfRange):
        tsl.get(16)
    with pytest.raises(TokenStatusListError):
        tsl.get(True)  # type: ignore[arg-type]
    with pytest.raises(TokenStatusListError):
        tsl.set(0, 4)
    assert isinstance(StatusIndexOutOfRange("x"), StatusListError)


# --- 4. reference and token -------------------------------------------------------------------

URI = "https://issuer.test/providers/roc-west/status/token/1"


def test_reference_round_trip() -> None:
    claim = status_reference(URI, 94567)
    assert claim == {"status_list": {"idx": 94567, "uri": URI}}
    reference = parse_reference(claim)
    assert (reference.uri, reference.idx) == (URI, 94567)


@pytest.mark.parametrize(
    "status",
    [
        None,
        [],
        {},
        {"status_list": "x"},
        {"status_list": {"idx": -1, "uri": URI}},
        {"status_list": {"idx": "7", "uri": URI}},
        {"status_list": {"idx": True, "uri": URI}},
        {"status_list": {"idx": 1.0, "uri": URI}},
        {"status_list": {"idx": 7}},
        {"status_list": {"idx": 7, "uri": "ftp://issuer.test/x"}},
        {"status_list": {"idx": 7, "uri": "/relative"}},
        {"status_list": {"idx": 7, "uri": URI + "#frag"}},
        {"status_list": {"idx": 7, "uri": URI + " "}},
    ],
)
def test_refuses_malformed_references(status: object) -> None:
    with pytest.raises(TokenStatusListError):
        parse_reference(status)


def _payload(**changes: object) -> dict:
    tsl = TokenStatusList.new(131_072, 2)
    tsl.set(7, SUSPENDED)
    payload = status_list_token_payload(URI, tsl, issued_at=1_760_000_000, expires_at=1_760_000_300, ttl=300, issuer="did:web:issuer.test")
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def test_status_list_token_claims() -> None:
    payload = _payload()
    assert list(payload) == ["iss", "sub", "iat", "exp", "ttl", "status_list"]
    checked = check_status_list_token(payload, uri=URI, issuer="did:web:issuer.test")
    assert checked.status_list.get(7) == SUSPENDED
    assert (checked.issued_at, checked.expires_at, checked.ttl) == (1_760_000_000, 1_760_000_300, 300)
    # iss is optional in the draft
    assert check_status_list_token(_payload(iss=None), uri=URI, issuer="did:web:issuer.test").ttl == 300


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"sub": URI + "2"}, StatusListTokenMismatch),
        ({"sub": None}, StatusListTokenMismatch),
        ({"iss": "did:web:other.test"}, StatusListTokenMismatch),
        ({"iat": None}, TokenStatusListError),
        ({"iat": "1760000000"}, TokenStatusListError),
        ({"exp": True}, TokenStatusListError),
        ({"ttl": 0}, TokenStatusListError),
        ({"ttl": -5}, TokenStatusListError),
        ({"status_list": None}, TokenStatusListError),
        ({"status_list": {"bits": 2}}, EncodedListError),
        ({"status_list": {"bits": 2, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 5}}, TokenStatusListError),
    ],
)
def test_refuses_status_list_tokens_that_do_not_fit(changes: dict, error: type) -> None:
    with pytest.raises(error):
        check_status_list_token(_payload(**changes), uri=URI, issuer="did:web:issuer.test")


def test_payload_builder_refuses_nonsense() -> None:
    tsl = TokenStatusList.new(8)
    with pytest.raises(ValueError):
        status_list_token_payload(URI, tsl, issued_at=10, expires_at=5)
    with pytest.raises(ValueError):
        status_list_token_payload(URI, tsl, issued_at=10, ttl=0)
    with pytest.raises(TokenStatusListError):
        status_list_token_payload("not a url", tsl, issued_at=10)
