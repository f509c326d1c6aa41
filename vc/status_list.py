"""W3C Bitstring Status List v1.0: the bitstring, its encoding, and its credentials.

https://www.w3.org/TR/vc-bitstring-status-list/ . Pure functions and one small
class; no I/O. The issuer keeps a ``StatusList`` per list, flips bits and
publishes ``encode()`` inside a signed ``status_list_credential``; a credential
points at its bit with a ``status_entry``; the verifier parses the entry, fetches
and signature-checks the list credential elsewhere, and calls ``read_status``
(or ``decoded_list`` once and ``.get(i)`` many times from a warm cache).

Wire format (spec section "encodedList"):

* one bit per credential (``statusSize`` 1, the only size skillpass issues or
  reads); index 0 is the most significant bit of byte 0, index ``n - 1`` the
  least significant bit of the last byte;
* at least ``MIN_ENTRIES`` = 131,072 entries (16 KiB) for herd privacy; shorter
  lists are refused (spec STATUS_LIST_LENGTH_ERROR);
* GZIP (RFC 1952), then base64url without padding, prefixed with the multibase
  code ``u``.

The decompression cap: a status list comes from the network, and ~1 MB of gzip
can expand to 1 GB. ``decode`` inflates incrementally with
``zlib.decompressobj(...).decompress(data, max_length)`` and stops at
``DEFAULT_MAX_BYTES`` = 2 MiB of bitstring, i.e. 16,777,216 entries: 128 times
the minimum list, far beyond any list skillpass or a sane issuer publishes, yet
small enough that a cached list never costs more than 2 MiB. Callers may pass
another ``max_bytes``.

Errors are the typed ones of ``vc.errors``; two subclasses are added here so
that every refusal is still a ``StatusListError``: ``EncodedListError`` (also an
``EncodingError``) for an ``encodedList`` that is not u-base64url-gzip, and
``StatusListMismatch`` for a list credential that is not the one the entry
points to (spec STATUS_VERIFICATION_ERROR).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from vc import inflate, keys, model
from vc.errors import (
    DecompressionLimit,
    EncodingError,
    StatusIndexOutOfRange,
    StatusListError,
    StatusListTooShort,
)

__all__ = [
    "MIN_ENTRIES",
    "DEFAULT_MAX_BYTES",
    "GZIP_LEVEL",
    "PURPOSES",
    "EncodedListError",
    "StatusListMismatch",
    "StatusList",
    "StatusEntry",
    "status_entry",
    "parse_status_entry",
    "status_list_credential",
    "decoded_list",
    "read_status",
]

MIN_ENTRIES = 131_072
"""Minimum entries per list (spec: minimumNumberOfEntries, 16 KiB of bits)."""

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
"""Decompression cap: 2 MiB of bitstring = 16,777,216 entries (see module doc)."""

GZIP_LEVEL = 6
"""zlib's default. On a sparse 16 KiB list it compresses as well as level 9
(58 vs 57 bytes) in ~70 µs; level 1 is faster but twice the size on the wire."""

PURPOSES = ("revocation", "suspension", "refresh", "message")
"""The statusPurpose values the spec defines; skillpass accepts no others."""

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"

_MIN_BYTES = MIN_ENTRIES // 8
_INDEX_RE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_MAX_INDEX_DIGITS = 18  # beyond any list the cap allows; keeps int() cheap and bounded


class EncodedListError(StatusListError, EncodingError):
    """The encodedList is not multibase base64url (no padding) of GZIP data."""

    code = EncodingError.code


class StatusListMismatch(StatusListError):
    """The status list credential is not the one the status entry points to."""

    code = "status_list_mismatch"


# --- the bitstring --------------------------------------------------------------


class StatusList:
    """A bitstring of 1-bit statuses, MSB first, at least MIN_ENTRIES long.

    Plain ``bytearray`` and shifts: ``get`` is a type check, a range check and one
    byte lookup, so a warm-cache status check costs well under a microsecond.
    """

    __slots__ = ("_bits", "_size")

    def __init__(self, bits: bytes | bytearray) -> None:
        """Wrap raw bits (copied). Prefer ``new``, ``from_bytes`` or ``decode``."""
        if len(bits) < _MIN_BYTES:
            raise StatusListTooShort(
                f"the list has {len(bits) * 8} entries; at least {MIN_ENTRIES} are required"
            )
        self._bits = bytearray(bits)
        self._size = len(self._bits) * 8

    @classmethod
    def new(cls, size: int = MIN_ENTRIES) -> StatusList:
        """An all-zero list of ``size`` entries (a multiple of 8, >= MIN_ENTRIES)."""
        if type(size) is not int or size % 8:
            raise StatusListError(f"list size must be an int multiple of 8, got {size!r}")
        if size < MIN_ENTRIES:
            raise StatusListTooShort(f"a list of {size} entries is below the minimum {MIN_ENTRIES}")
        return cls(bytes(size // 8))

    @classmethod
    def from_bytes(cls, bits: bytes | bytearray) -> StatusList:
        """Rebuild a list from ``to_bytes()`` output (e.g. as stored by the issuer)."""
        return cls(bits)

    def to_bytes(self) -> bytes:
        """The raw uncompressed bitstring, byte 0 first."""
        return bytes(self._bits)

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatusList) and self._bits == other._bits

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"StatusList(entries={self._size}, set={self.count_set()})"

    def count_set(self) -> int:
        """How many entries are 1 (for reports and tests, not the hot path)."""
        return int.from_bytes(self._bits, "big").bit_count()

    def get(self, index: int) -> int:
        """The status bit (0 or 1) at ``index``."""
        if type(index) is int and 0 <= index < self._size:
            return (self._bits[index >> 3] >> (7 - (index & 7))) & 1
        raise self._index_error(index)

    def set(self, index: int, value: int) -> None:
        """Set the status bit at ``index`` to ``value`` (0 or 1)."""
        if not (type(index) is int and 0 <= index < self._size):
            raise self._index_error(index)
        if type(value) is not int or value not in (0, 1):
            raise StatusListError(f"a status value is 0 or 1, got {value!r}")
        mask = 0x80 >> (index & 7)
        if value:
            self._bits[index >> 3] |= mask
        else:
            self._bits[index >> 3] &= ~mask & 0xFF

    def _index_error(self, index: Any) -> StatusListError:
        if type(index) is not int:  # bool is an int subclass, and is refused here
            return StatusListError(f"a status index is an int, got {type(index).__name__}")
        return StatusIndexOutOfRange(f"index {index} is outside the list (0..{self._size - 1})")

    def encode(self, level: int = GZIP_LEVEL) -> str:
        """The ``encodedList`` value: ``u`` + base64url-no-pad(gzip(bits)).

        ``zlib.compress`` with gzip wbits writes mtime 0 and no file name, so the
        same bits always give the same string (stable ETags, no clock leak).
        """
        gz = zlib.compress(self._bits, level, wbits=inflate.GZIP)
        return "u" + keys.b64url_encode(gz)

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StatusList:
        """Parse an ``encodedList``, refusing anything that is not exactly the spec.

        Raises EncodedListError (no ``u`` prefix, not base64url, not one complete
        gzip member), DecompressionLimit (inflates beyond ``max_bytes``, checked
        while inflating) or StatusListTooShort (fewer than MIN_ENTRIES).
        """
        if type(max_bytes) is not int or max_bytes < _MIN_BYTES:
            # max_length=0 would mean "no limit" to zlib: never let that through.
            raise ValueError(f"max_bytes must be an int >= {_MIN_BYTES}")
        if not isinstance(encoded, str):
            raise EncodedListError(f"encodedList must be a string, got {type(encoded).__name__}")
        if not encoded.startswith("u"):
            raise EncodedListError("encodedList must be multibase base64url: the 'u' prefix is missing")
        if len(encoded) > inflate.longest_encoding(max_bytes):
            raise DecompressionLimit(
                f"encodedList is {len(encoded)} characters, more than a list of at most "
                f"{max_bytes} bytes can compress to"
            )
        try:
            gz = keys.b64url_decode(encoded[1:])
        except EncodingError as exc:
            raise EncodedListError(f"encodedList is not base64url: {exc.detail}") from None
        bits = inflate.inflate(gz, wbits=inflate.GZIP, max_bytes=max_bytes, what="encodedList", error=EncodedListError)
        return cls(bits)


# --- credentialStatus entries --------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A parsed ``BitstringStatusListEntry``: which bit of which list, for what."""

    list_url: str
    index: int
    purpose: str


_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


@lru_cache(maxsize=1024)
def _good_url(value: str) -> bool:
    """`_check_url` would accept `value` (answers kept: every credential of a list repeats its URL)."""
    try:
        _check_url_uncached(value, "")
    except StatusListError:
        return False
    return True


def _check_url(value: Any, what: str) -> str:
    """An absolute http(s) URL with a host and no whitespace: the list's address."""
    if type(value) is str and len(value) <= 2048 and _good_url(value):
        return value
    return _check_url_uncached(value, what)


def _check_url_uncached(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise StatusListError(f"{what} must be a URL string")
    if _SPACE_OR_CONTROL.search(value):
        raise StatusListError(f"{what} must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise StatusListError(f"{what} is not a valid URL: {value!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise StatusListError(f"{what} must be an absolute https or http URL, got {value!r}")
    if parts.fragment:
        raise StatusListError(f"{what} must not have a fragment, got {value!r}")
    return value


def _check_purpose(value: Any, what: str) -> str:
    if not isinstance(value, str) or value not in PURPOSES:
        raise StatusListError(f"{what} must be one of {', '.join(PURPOSES)}, got {value!r}")
    return value


def status_entry(list_credential_url: str, index: int, purpose: str) -> dict[str, str]:
    """The ``credentialStatus`` object for bit ``index`` of a list.

    ``statusListIndex`` is a decimal string (spec: "an arbitrary size integer ...
    expressed as a string in base 10"); the entry ``id`` is ``<list url>#<index>``
    as in the spec's examples: distinct from the list URL, as the spec requires.
    """
    _check_url(list_credential_url, "statusListCredential")
    if type(index) is not int or index < 0:
        raise StatusIndexOutOfRange(f"statusListIndex must be a non-negative int, got {index!r}")
    _check_purpose(purpose, "statusPurpose")
    return {
        "id": f"{list_credential_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential_url,
    }


def _parse_index(value: Any) -> int:
    """A base-10 digit string without sign, space or leading zero; or a JSON int."""
    if type(value) is int:
        if value < 0:
            raise StatusListError(f"statusListIndex must be >= 0, got {value}")
        return value
    if not isinstance(value, str):
        raise StatusListError(f"statusListIndex must be a string of base-10 digits, got {type(value).__name__}")
    if not _INDEX_RE.fullmatch(value):
        raise StatusListError(
            f"statusListIndex must be base-10 digits without sign, spaces or leading zeros, got {value!r}"
        )
    if len(value) > _MAX_INDEX_DIGITS:
        raise StatusIndexOutOfRange(f"statusListIndex {value[:24]}... is beyond any list skillpass accepts")
    return int(value)


def _check_status_size(container: dict, where: str) -> None:
    """statusSize is optional and defaults to 1; skillpass supports only 1."""
    if "statusSize" not in container:
        return
    size = container["statusSize"]
    if type(size) is not int or size < 1:
        raise StatusListError(f"{where}statusSize must be an integer greater than zero, got {size!r}")
    if size != 1:
        raise StatusListError(f"{where}statusSize {size} is not supported: skillpass reads 1-bit lists only")


def parse_status_entry(entry: dict) -> StatusEntry:
    """Read a ``BitstringStatusListEntry`` strictly; any deviation is a StatusListError.

    Strict because the verifier acts on it: a lenient parse of "01", " 5" or
    "1e3" could point two parties at different bits.
    """
    if not isinstance(entry, dict):
        raise StatusListError(f"credentialStatus entry must be an object, got {type(entry).__name__}")
    if entry.get("type") != ENTRY_TYPE:
        raise StatusListError(f"credentialStatus type must be {ENTRY_TYPE!r}, got {entry.get('type')!r}")
    purpose = _check_purpose(entry.get("statusPurpose"), "statusPurpose")
    if "statusListIndex" not in entry:
        raise StatusListError("statusListIndex is missing")
    index = _parse_index(entry["statusListIndex"])
    list_url = _check_url(entry.get("statusListCredential"), "statusListCredential")
    if "id" in entry:
        if not isinstance(entry["id"], str) or not entry["id"]:
            raise StatusListError("credentialStatus id must be a URL string")
        if entry["id"] == list_url:
            raise StatusListError("credentialStatus id must not be the URL of the status list")
    _check_status_size(entry, "")
    return StatusEntry(list_url=list_url, index=index, purpose=purpose)


# --- the status list credential ------------------------------------------------


def _xsd_datetime(value: datetime, what: str) -> str:
    """XML Schema dateTime in UTC, seconds precision, with ``Z``."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return model.format_datetime(value)


def status_list_credential(
    list_url: str,
    issuer: str,
    purpose: str,
    encoded_list: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` to sign and publish at ``list_url``.

    ``id`` is ``list_url`` so that verifiers can bind the fetched document to the
    entry's ``statusListCredential``; ``ttl`` (milliseconds) is the spec's refresh
    hint, to be aligned with the HTTP Cache-Control the issuer serves.
    """
    _check_url(list_url, "list_url")
    if not isinstance(issuer, str) or not issuer:
        raise ValueError("issuer must be a non-empty string")
    _check_purpose(purpose, "statusPurpose")
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise EncodedListError("encoded_list must be the 'u'-prefixed output of StatusList.encode()")
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": _xsd_datetime(valid_from, "valid_from"),
    }
    if valid_until is not None:
        credential["validUntil"] = _xsd_datetime(valid_until, "valid_until")
        if valid_until <= valid_from:
            raise ValueError("valid_until must be later than valid_from")
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }
    if ttl_ms is not None:
        if type(ttl_ms) is not int or ttl_ms <= 0:
            raise ValueError(f"ttl_ms must be a positive int, got {ttl_ms!r}")
        subject["ttl"] = ttl_ms
    credential["credentialSubject"] = subject
    return credential


def _issuer_id(issuer: Any) -> str | None:
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def decoded_list(
    list_credential: dict,
    *,
    list_url: str,
    purpose: str,
    expected_issuer: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StatusList:
    """Check a signature-verified list credential against what the entry expects,
    then decode its bitstring once (for a cache: ``.get(i)`` per credential).

    Checks (spec Validate Algorithm plus skillpass binding rules): ``id`` is
    ``list_url``; ``type`` includes BitstringStatusListCredential; ``issuer`` (a
    string or an object with ``id``) is ``expected_issuer``; the subject is a
    BitstringStatusList whose ``statusPurpose`` (one string or several, as the
    spec allows) includes ``purpose``; statusSize, if given, is 1. Validity dates
    and the signature are the caller's (the verification pipeline's) job.
    """
    if not isinstance(list_credential, dict):
        raise StatusListError("the status list credential must be a JSON object")
    if list_credential.get("id") != list_url:
        raise StatusListMismatch(
            f"the status list credential's id {list_credential.get('id')!r} is not {list_url!r}"
        )
    types = list_credential.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or CREDENTIAL_TYPE not in types:
        raise StatusListError(f"the status list credential's type must include {CREDENTIAL_TYPE!r}")
    actual_issuer = _issuer_id(list_credential.get("issuer"))
    if actual_issuer != expected_issuer:
        raise StatusListMismatch(
            f"the status list is issued by {actual_issuer!r}, expected {expected_issuer!r}"
        )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusListError("the status list credential's credentialSubject must be an object")
    if subject.get("type") != LIST_TYPE:
        raise StatusListError(f"credentialSubject.type must be {LIST_TYPE!r}, got {subject.get('type')!r}")
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or not purposes or not all(isinstance(p, str) for p in purposes):
        raise StatusListError("credentialSubject.statusPurpose must be one or more strings")
    if purpose not in purposes:
        raise StatusListMismatch(
            f"the entry's statusPurpose {purpose!r} is not a purpose of this list ({', '.join(purposes)})"
        )
    _check_status_size(subject, "credentialSubject.")
    if "encodedList" not in subject:
        raise StatusListError("credentialSubject.encodedList is missing")
    return StatusList.decode(subject["encodedList"], max_bytes=max_bytes)


def read_status(
    list_credential: dict,
    entry: StatusEntry,
    *,
    expected_issuer: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> int:
    """The status bit (1 = revoked/suspended/... per ``entry.purpose``) of one entry.

    ``list_credential`` must already be signature-verified; see ``decoded_list``
    for every check made before the bit is read.
    """
    status_list = decoded_list(
        list_credential,
        list_url=entry.list_url,
        purpose=entry.purpose,
        expected_issuer=expected_issuer,
        max_bytes=max_bytes,
    )
    return status_list.get(entry.index)
