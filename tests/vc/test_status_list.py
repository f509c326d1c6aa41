"""Tests for vc.status_list (W3C Bitstring Status List v1.0)."""

from __future__ import annotations

import base64
import gzip
import struct
import time
import zlib
from datetime import datetime, timedelta, timezone

import pytest

from vc.errors import (
    DecompressionLimit,
    EncodingError,
    StatusIndexOutOfRange,
    StatusListError,
    StatusListTooShort,
)
from vc.status_list import (
    DEFAULT_MAX_BYTES,
    MIN_ENTRIES,
    EncodedListError,
    StatusEntry,
    StatusList,
    StatusListMismatch,
    decoded_list,
    parse_status_entry,
    read_status,
    status_entry,
    status_list_credential,
)

LIST_URL = "https://issuer.example/status/3"
ISSUER = "did:web:issuer.example"
NOW = datetime(2025, 1, 2, 3, 4, 5, 678_000, tzinfo=timezone.utc)

# The spec's "Example BitstringStatusListCredential" (section 2.2): an empty list.
SPEC_EXAMPLE_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def _u(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _list_credential(status_list: StatusList, purpose: str = "revocation", **over) -> dict:
    cred = status_list_credential(LIST_URL, ISSUER, purpose, status_list.encode(), NOW)
    cred.update(over)
    return cred


# --- the bitstring ----------------------------------------------------------------


def test_round_trip_and_msb_first_bit_order():
    sl = StatusList.new()
    last = MIN_ENTRIES - 1
    for i in (0, 7, 8, last):
        sl.set(i, 1)
    raw = sl.to_bytes()
    assert len(raw) == MIN_ENTRIES // 8
    assert raw[0] == 0b1000_0001  # index 0 is the left-most bit, index 7 the right-most
    assert raw[1] == 0b1000_0000  # index 8 starts the second byte
    assert raw[-1] == 0b0000_0001  # the last index is the right-most bit of the last byte

    back = StatusList.decode(sl.encode())
    assert back == sl
    assert len(back) == MIN_ENTRIES
    assert [back.get(i) for i in (0, 1, 6, 7, 8, 9, last - 1, last)] == [1, 0, 0, 1, 1, 0, 0, 1]
    assert back.count_set() == 4

    back.set(7, 0)
    assert back.get(7) == 0 and back.to_bytes()[0] == 0b1000_0000


def test_encoding_is_multibase_base64url_of_gzip():
    encoded = StatusList.new().encode()
    assert encoded.startswith("u") and "=" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bytes(MIN_ENTRIES // 8)
    assert StatusList.new().encode() == encoded  # deterministic: no mtime in the header


def test_larger_lists_and_from_bytes():
    sl = StatusList.new(MIN_ENTRIES * 4)
    sl.set(MIN_ENTRIES * 4 - 1, 1)
    back = StatusList.decode(sl.encode())
    assert len(back) == MIN_ENTRIES * 4 and back.get(MIN_ENTRIES * 4 - 1) == 1
    assert StatusList.from_bytes(sl.to_bytes()) == sl


def test_spec_example_decodes_to_an_empty_minimum_list():
    sl = StatusList.decode(SPEC_EXAMPLE_LIST)
    assert len(sl) == MIN_ENTRIES
    assert sl.count_set() == 0
    assert sl.get(94567) == 0  # the index used by the spec's example entry


def test_new_refuses_bad_sizes():
    with pytest.raises(StatusListTooShort):
        StatusList.new(1000 * 8)
    with pytest.raises(StatusListError):
        StatusList.new(MIN_ENTRIES + 1)  # not a whole number of bytes
    with pytest.raises(StatusListError):
        StatusList.new(True)


@pytest.mark.parametrize("index", [MIN_ENTRIES, MIN_ENTRIES + 100, -1, -MIN_ENTRIES])
def test_index_out_of_range(index):
    sl = StatusList.new()
    with pytest.raises(StatusIndexOutOfRange) as err:
        sl.get(index)
    assert err.value.code == "status_index_out_of_range"
    with pytest.raises(StatusIndexOutOfRange):
        sl.set(index, 1)


@pytest.mark.parametrize("index", [True, False, 1.0, "1", None])
def test_index_must_be_a_real_int(index):
    sl = StatusList.new()
    with pytest.raises(StatusListError) as err:
        sl.get(index)
    assert err.value.code == "invalid_status_list"
    assert type(index).__name__ in str(err.value.detail)
    with pytest.raises(StatusListError):
        sl.set(index, 1)


@pytest.mark.parametrize("value", [2, -1, True, "1", None])
def test_set_refuses_values_other_than_0_and_1(value):
    with pytest.raises(StatusListError):
        StatusList.new().set(0, value)


# --- decode refusals -------------------------------------------------------------------


def _assert_encoding_error(encoded: str, words: str) -> None:
    with pytest.raises(EncodedListError) as err:
        StatusList.decode(encoded)
    assert isinstance(err.value, StatusListError) and isinstance(err.value, EncodingError)
    assert err.value.code == "invalid_encoding"
    assert words in err.value.detail


def test_missing_u_prefix():
    good = StatusList.new().encode()
    _assert_encoding_error(good[1:], "'u' prefix")
    _assert_encoding_error("z" + good[1:], "'u' prefix")
    _assert_encoding_error("", "'u' prefix")


@pytest.mark.parametrize(
    "body",
    [
        "H4sI+AAA/",  # standard base64 alphabet, not base64url
        "H4sIAA==",  # padding
        "H4sI AAA",  # whitespace
        "H4sI\nAAA",
        "H4sIÄAA",  # non-ASCII
        "H4sIA",  # impossible length
        "H4sIAB",  # non-zero padding bits (not canonical)
    ],
)
def test_base64url_garbage(body):
    _assert_encoding_error("u" + body, "base64url")


@pytest.mark.parametrize(
    "raw",
    [
        bytes(MIN_ENTRIES // 8),  # raw bits, not compressed
        zlib.compress(bytes(MIN_ENTRIES // 8)),  # zlib container, not gzip
        b"\x1f\x8b\x08\x00garbage!",  # gzip magic, broken deflate
    ],
)
def test_not_gzip(raw):
    _assert_encoding_error(_u(raw), "GZIP")


def test_truncated_and_trailing_gzip():
    gz = gzip.compress(bytes(MIN_ENTRIES // 8), mtime=0)
    _assert_encoding_error(_u(gz[:-4]), "truncated")
    _assert_encoding_error(_u(gz + b"junk"), "after the end")


def test_corrupted_gzip_checksum():
    gz = bytearray(gzip.compress(bytes(MIN_ENTRIES // 8), mtime=0))
    gz[-8] ^= 0xFF  # CRC-32 of the trailer
    _assert_encoding_error(_u(bytes(gz)), "GZIP")


def test_too_short_list_is_refused():
    sl_bytes = bytes(1000 // 8)  # 1,000 entries
    with pytest.raises(StatusListTooShort) as err:
        StatusList.decode(_u(gzip.compress(sl_bytes)))
    assert err.value.code == "status_list_too_short"
    assert "1000 entries" in err.value.detail
    with pytest.raises(StatusListTooShort):
        StatusList.decode(_u(gzip.compress(b"")))
    with pytest.raises(StatusListTooShort):  # one byte short of the minimum
        StatusList.decode(_u(gzip.compress(bytes(MIN_ENTRIES // 8 - 1))))


def _gzip_bomb_of_zeros(total: int = 1 << 30) -> bytes:
    """A valid gzip member of ``total`` zero bytes (1 GiB -> ~1 MB), built fast.

    After a Z_FULL_FLUSH the compressor forgets its history, so each 1 MiB chunk
    compresses to the same bytes: compress once, repeat. The trailer is real
    (CRC-32 and size), so the whole thing is a correct gzip file.
    """
    chunk = bytes(1 << 20)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    final = deflater.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(total // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + segment * (total // len(chunk)) + final + struct.pack("<II", crc, total & 0xFFFFFFFF)


def test_gzip_bomb_is_refused_quickly():
    bomb = _gzip_bomb_of_zeros()
    assert len(bomb) < 2 * 1024 * 1024  # ~1 MB on the wire: fits any fetch cap
    encoded = _u(bomb)
    start = time.perf_counter()
    with pytest.raises(DecompressionLimit) as err:
        StatusList.decode(encoded)
    elapsed = time.perf_counter() - start
    assert err.value.code == "decompression_limit"
    assert "inflates beyond" in err.value.detail  # stopped while inflating, not before
    assert elapsed < 2.0, elapsed  # generous: it takes milliseconds; inflating 1 GiB would not


def test_smaller_cap_and_oversized_input():
    sl = StatusList.new(MIN_ENTRIES * 2)
    with pytest.raises(DecompressionLimit):
        StatusList.decode(sl.encode(), max_bytes=MIN_ENTRIES // 8)
    assert len(StatusList.decode(sl.encode(), max_bytes=MIN_ENTRIES // 4)) == MIN_ENTRIES * 2
    with pytest.raises(DecompressionLimit) as err:
        StatusList.decode("u" + "A" * (DEFAULT_MAX_BYTES * 2))
    assert "characters" in err.value.detail
    with pytest.raises(ValueError):
        StatusList.decode(sl.encode(), max_bytes=0)  # zlib would read 0 as "no limit"


def test_decode_refuses_non_strings():
    with pytest.raises(EncodedListError):
        StatusList.decode(b"uH4sI")  # type: ignore[arg-type]


# --- entries ---------------------------------------------------------------------------


def test_status_entry_matches_the_spec_shape_and_parses_back():
    entry = status_entry(LIST_URL, 94567, "revocation")
    assert entry == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert parse_status_entry(entry) == StatusEntry(LIST_URL, 94567, "revocation")


def test_spec_example_entries_parse():
    for entry, expected in [
        (
            {
                "id": "https://example.com/credentials/status/3#94567",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "94567",
                "statusListCredential": "https://example.com/credentials/status/3",
            },
            StatusEntry("https://example.com/credentials/status/3", 94567, "revocation"),
        ),
        (
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "statusListIndex": "0",
                "statusListCredential": "http://example.com/credentials/status/4",
                "statusSize": 1,
            },
            StatusEntry("http://example.com/credentials/status/4", 0, "suspension"),
        ),
    ]:
        assert parse_status_entry(entry) == expected


def test_entry_index_may_be_a_json_int():
    entry = status_entry(LIST_URL, 5, "suspension") | {"statusListIndex": 5}
    assert parse_status_entry(entry).index == 5


@pytest.mark.parametrize(
    "index",
    ["01", "00", "-1", "+1", " 5", "5 ", "5\n", "1e3", "1.0", "0x10", "", "1_000", "٣", "５", -1, 1.0, True, None, ["1"]],
)
def test_malformed_status_list_index(index):
    entry = status_entry(LIST_URL, 5, "revocation") | {"statusListIndex": index}
    with pytest.raises(StatusListError) as err:
        parse_status_entry(entry)
    assert err.value.code == "invalid_status_list"
    assert "statusListIndex" in err.value.detail


def test_absurdly_large_index_is_out_of_range():
    entry = status_entry(LIST_URL, 5, "revocation") | {"statusListIndex": "9" * 5000}
    with pytest.raises(StatusIndexOutOfRange):
        parse_status_entry(entry)


def test_missing_index():
    entry = status_entry(LIST_URL, 5, "revocation")
    del entry["statusListIndex"]
    with pytest.raises(StatusListError, match="statusListIndex is missing"):
        parse_status_entry(entry)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"type": "StatusList2021Entry"}, "type"),
        ({"type": ["BitstringStatusListEntry"]}, "type"),
        ({"statusPurpose": "revoked"}, "statusPurpose"),
        ({"statusPurpose": ["revocation"]}, "statusPurpose"),
        ({"statusListCredential": "/status/3"}, "absolute"),
        ({"statusListCredential": "ftp://issuer.example/status/3"}, "absolute"),
        ({"statusListCredential": "did:web:issuer.example"}, "absolute"),
        ({"statusListCredential": "https://"}, "absolute"),
        ({"statusListCredential": "https://issuer.example/status/3 "}, "whitespace"),
        ({"statusListCredential": "https://issuer.example/status/3#x"}, "fragment"),
        ({"statusListCredential": 3}, "URL string"),
        ({"id": LIST_URL}, "must not be the URL of the status list"),
        ({"id": 7}, "id"),
        ({"statusSize": 2}, "not supported"),
        ({"statusSize": 0}, "greater than zero"),
        ({"statusSize": True}, "greater than zero"),
    ],
)
def test_malformed_entries(change, words):
    entry = status_entry(LIST_URL, 5, "revocation") | change
    with pytest.raises(StatusListError) as err:
        parse_status_entry(entry)
    assert err.value.code == "invalid_status_list"
    assert words in err.value.detail


def test_entry_must_be_an_object():
    with pytest.raises(StatusListError):
        parse_status_entry(["BitstringStatusListEntry"])  # type: ignore[arg-type]


def test_status_entry_refuses_bad_input():
    with pytest.raises(StatusIndexOutOfRange):
        status_entry(LIST_URL, -1, "revocation")
    with pytest.raises(StatusIndexOutOfRange):
        status_entry(LIST_URL, True, "revocation")
    with pytest.raises(StatusListError):
        status_entry(LIST_URL, 1, "expiry")
    with pytest.raises(StatusListError):
        status_entry("issuer.example/status/3", 1, "revocation")


# --- the list credential ------------------------------------------------------------------


def test_status_list_credential_shape():
    encoded = StatusList.new().encode()
    cred = status_list_credential(
        LIST_URL,
        ISSUER,
        "suspension",
        encoded,
        NOW,
        valid_until=NOW + timedelta(days=1),
        ttl_ms=300_000,
    )
    assert cred == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-02T03:04:05Z",
        "validUntil": "2025-01-03T03:04:05Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": encoded,
            "ttl": 300_000,
        },
    }


def test_status_list_credential_optional_members_and_utc():
    cet = timezone(timedelta(hours=1))
    cred = status_list_credential(LIST_URL, ISSUER, "revocation", "uAAAA", datetime(2025, 1, 2, 4, 4, 5, tzinfo=cet))
    assert cred["validFrom"] == "2025-01-02T03:04:05Z"
    assert "validUntil" not in cred and "ttl" not in cred["credentialSubject"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"valid_from": datetime(2025, 1, 2)},  # naive
        {"valid_until": NOW},  # not after valid_from
        {"ttl_ms": 0},
        {"ttl_ms": True},
        {"purpose": "expiry"},
        {"encoded_list": "H4sI"},
        {"list_url": "status/3"},
        {"issuer": ""},
    ],
)
def test_status_list_credential_refuses_bad_input(kwargs):
    args = {
        "list_url": LIST_URL,
        "issuer": ISSUER,
        "purpose": "revocation",
        "encoded_list": "uAAAA",
        "valid_from": NOW,
    } | kwargs
    with pytest.raises((ValueError, StatusListError)):
        status_list_credential(**args)


# --- reading a status ----------------------------------------------------------------------


def test_read_status_end_to_end():
    sl = StatusList.new()
    sl.set(94567, 1)
    cred = _list_credential(sl)
    revoked = parse_status_entry(status_entry(LIST_URL, 94567, "revocation"))
    fine = parse_status_entry(status_entry(LIST_URL, 94566, "revocation"))
    assert read_status(cred, revoked, expected_issuer=ISSUER) == 1
    assert read_status(cred, fine, expected_issuer=ISSUER) == 0


def test_decoded_list_for_the_warm_cache():
    sl = StatusList.new()
    sl.set(3, 1)
    cached = decoded_list(_list_credential(sl), list_url=LIST_URL, purpose="revocation", expected_issuer=ISSUER)
    assert [cached.get(i) for i in range(5)] == [0, 0, 0, 1, 0]


def test_read_status_spec_example_credential():
    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345",
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": "https://example.com/status/3#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": SPEC_EXAMPLE_LIST,
        },
    }
    entry = StatusEntry("https://example.com/credentials/status/3", 94567, "revocation")
    assert read_status(cred, entry, expected_issuer="did:example:12345") == 0


def test_issuer_object_and_multiple_purposes_are_accepted():
    sl = StatusList.new()
    sl.set(1, 1)
    cred = _list_credential(sl, issuer={"id": ISSUER, "name": "Example College"})
    cred["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    entry = StatusEntry(LIST_URL, 1, "suspension")
    assert read_status(cred, entry, expected_issuer=ISSUER) == 1


ENTRY = StatusEntry(LIST_URL, 1, "revocation")


@pytest.mark.parametrize(
    "mutate, error, words",
    [
        (lambda c: c.update(id="https://issuer.example/status/4"), StatusListMismatch, "id"),
        (lambda c: c.pop("id"), StatusListMismatch, "id"),
        (lambda c: c.update(issuer="did:web:evil.example"), StatusListMismatch, "issued by"),
        (lambda c: c.update(issuer={"id": "did:web:evil.example"}), StatusListMismatch, "issued by"),
        (lambda c: c.update(issuer={"name": ISSUER}), StatusListMismatch, "issued by"),
        (lambda c: c["credentialSubject"].update(statusPurpose="suspension"), StatusListMismatch, "statusPurpose"),
        (lambda c: c["credentialSubject"].update(statusPurpose=[]), StatusListError, "statusPurpose"),
        (lambda c: c["credentialSubject"].update(statusPurpose=7), StatusListError, "statusPurpose"),
        (lambda c: c.update(type=["VerifiableCredential"]), StatusListError, "BitstringStatusListCredential"),
        (lambda c: c["credentialSubject"].update(type="StatusList2021"), StatusListError, "BitstringStatusList"),
        (lambda c: c.update(credentialSubject=[c["credentialSubject"]]), StatusListError, "object"),
        (lambda c: c["credentialSubject"].update(statusSize=2), StatusListError, "not supported"),
        (lambda c: c["credentialSubject"].pop("encodedList"), StatusListError, "encodedList is missing"),
        (lambda c: c["credentialSubject"].update(encodedList="H4sI"), EncodedListError, "'u' prefix"),
    ],
)
def test_read_status_refusals(mutate, error, words):
    cred = _list_credential(StatusList.new())
    mutate(cred)
    with pytest.raises(error) as err:
        read_status(cred, ENTRY, expected_issuer=ISSUER)
    assert type(err.value) is error
    assert words in err.value.detail
    if error is StatusListMismatch:
        assert err.value.code == "status_list_mismatch"


def test_read_status_index_beyond_the_list():
    cred = _list_credential(StatusList.new())
    with pytest.raises(StatusIndexOutOfRange):
        read_status(cred, StatusEntry(LIST_URL, MIN_ENTRIES, "revocation"), expected_issuer=ISSUER)


def test_read_status_refuses_a_short_or_bombed_list():
    cred = _list_credential(StatusList.new())
    cred["credentialSubject"]["encodedList"] = _u(gzip.compress(bytes(1000 // 8)))
    with pytest.raises(StatusListTooShort):
        read_status(cred, ENTRY, expected_issuer=ISSUER)
    cred["credentialSubject"]["encodedList"] = StatusList.new(MIN_ENTRIES * 2).encode()
    with pytest.raises(DecompressionLimit):
        read_status(cred, ENTRY, expected_issuer=ISSUER, max_bytes=MIN_ENTRIES // 8)


def test_read_status_refuses_a_non_object():
    with pytest.raises(StatusListError):
        read_status("eyJ...", ENTRY, expected_issuer=ISSUER)  # type: ignore[arg-type]
