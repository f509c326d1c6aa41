"""IETF Token Status List (draft-ietf-oauth-status-list): the list, its encoding, its JWT.

The status mechanism of SD-JWT VCs. Pure functions and one small class; no
I/O. A Referenced Token (an SD-JWT VC) points at its entry with

    "status": {"status_list": {"idx": 94567, "uri": "https://.../status/token/1"}}

and the issuer serves, at `uri`, a Status List Token: a JWT with header
`typ: statuslist+jwt` and claims `sub` (= `uri`), `iat`, `exp`, `ttl` and
`status_list: {"bits": 1|2|4|8, "lst": "<base64url(zlib(bytes))>"}`.

Wire format (draft section 4.1), and how it differs from the W3C Bitstring
Status List (vc/status_list.py) that skillpass also publishes:

=====================  ==============================  ==============================
                       Token Status List (this)        W3C Bitstring Status List
=====================  ==============================  ==============================
bits per entry         1, 2, 4 or 8 (`bits`)           1 (statusSize)
order within a byte    LEAST significant bit first:    MOST significant bit first:
                       index 0 is bit 0 (0x01)         index 0 is bit 7 (0x80)
compression            DEFLATE in the ZLIB format      GZIP (RFC 1952)
                       (RFC 1950), highest level
text encoding          base64url, no prefix            multibase `u` + base64url
values                 0x00 VALID, 0x01 INVALID,       1 = the purpose applies
                       0x02 SUSPENDED, 0x03 and        (one list per purpose)
                       0x0C-0x0F application-specific
=====================  ==============================  ==============================

So the same revocation decisions give different bytes: index 0 revoked is
`0x80` in a W3C list and `0x01` here. `TokenStatusList.from_bitstring`
converts a stored W3C bitstring (bit reversal per byte); `combine` builds the
2-bit list skillpass serves for SD-JWT VCs: INVALID where the revocation
bitstring has a 1, SUSPENDED where the credential at that index is suspended.

The decompression cap: `lst` comes from the network, and a few KB of zlib
can inflate to gigabytes. `decode` inflates with a `max_length` and stops at
`DEFAULT_MAX_BYTES` (2 MiB: 16,777,216 entries of 1 bit), the same cap as the
W3C lists. Callers may pass another `max_bytes`.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from vc import inflate, keys
from vc.errors import DecompressionLimit, EncodingError, StatusIndexOutOfRange, StatusListError

__all__ = [
    "TYP",
    "MEDIA_TYPE",
    "BITS",
    "VALID",
    "INVALID",
    "SUSPENDED",
    "DEFAULT_MAX_BYTES",
    "TokenStatusListError",
    "EncodedListError",
    "StatusListTokenMismatch",
    "TokenStatusList",
    "Reference",
    "VerifiedStatusList",
    "parse_reference",
    "status_reference",
    "status_list_token_payload",
    "check_status_list_token",
    "status_name",
]

TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
BITS = (1, 2, 4, 8)
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02
_NAMES = {VALID: "VALID", INVALID: "INVALID", SUSPENDED: "SUSPENDED"}

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
"""Decompression cap: 2 MiB of status bytes (16,777,216 one-bit entries)."""

ZLIB_LEVEL = 9
"""The draft RECOMMENDS the highest compression level."""

_MAX_IDX_DIGITS = 18
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# Byte with its 8 bits in reverse order: W3C (MSB first) <-> Token Status List (LSB first), 1 bit.
_REVERSE = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
# A W3C byte (8 one-bit entries, MSB first) spread to 2 bytes of 2-bit entries (LSB first),
# each set bit becoming the value INVALID (0b01) in its 2-bit slot.
_SPREAD = tuple(
    bytes(
        (
            sum(((b >> (7 - j)) & 1) << (2 * j) for j in range(4)),
            sum(((b >> (3 - j)) & 1) << (2 * j) for j in range(4)),
        )
    )
    for b in range(256)
)


class TokenStatusListError(StatusListError):
    """A Token Status List, its token or a `status` reference is malformed."""

    code = "invalid_status_list"


class EncodedListError(TokenStatusListError, EncodingError):
    """`lst` is not base64url of one complete ZLIB stream."""

    code = EncodingError.code


class StatusListTokenMismatch(TokenStatusListError):
    """The Status List Token is not the one the reference points to (`sub`, `iss`)."""

    code = "status_list_mismatch"


def status_name(value: int) -> str:
    """VALID, INVALID, SUSPENDED, or `0x..` for application-specific and reserved values."""
    return _NAMES.get(value, f"0x{value:02X}")


# --- the list -----------------------------------------------------------------------------


class TokenStatusList:
    """Statuses of `bits` bits each, packed least significant bit first (draft section 4.1)."""

    __slots__ = ("_data", "bits", "_per_byte", "_mask")

    def __init__(self, data: bytes | bytearray, bits: int = 1) -> None:
        if type(bits) is not int or bits not in BITS:
            raise TokenStatusListError(f"bits must be 1, 2, 4 or 8, got {bits!r}")
        self._data = bytearray(data)
        self.bits = bits
        self._per_byte = 8 // bits
        self._mask = (1 << bits) - 1

    @classmethod
    def new(cls, size: int, bits: int = 1) -> "TokenStatusList":
        """An all-VALID list with room for `size` entries (rounded up to whole bytes)."""
        if type(size) is not int or size < 1:
            raise TokenStatusListError(f"size must be a positive int, got {size!r}")
        if type(bits) is not int or bits not in BITS:
            raise TokenStatusListError(f"bits must be 1, 2, 4 or 8, got {bits!r}")
        return cls(bytes(-(-size * bits // 8)), bits)

    @classmethod
    def from_bitstring(cls, bitstring: bytes | bytearray) -> "TokenStatusList":
        """A 1-bit list with the same entries as a W3C bitstring (raw bytes, MSB first)."""
        return cls(bytes(bitstring).translate(_REVERSE), 1)

    @classmethod
    def combine(cls, revocation: bytes | bytearray, suspended: Iterable[int] = ()) -> "TokenStatusList":
        """A 2-bit list from a W3C revocation bitstring (raw bytes, MSB first).

        Entry i is INVALID when bit i of `revocation` is 1, else SUSPENDED when
        i is in `suspended`, else VALID. Revocation wins: it is permanent.
        """
        tsl = cls(b"".join(map(_SPREAD.__getitem__, bytes(revocation))), 2)
        for index in suspended:
            if tsl.get(index) == VALID:
                tsl.set(index, SUSPENDED)
        return tsl

    def __len__(self) -> int:
        return len(self._data) * self._per_byte

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenStatusList) and self.bits == other.bits and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"TokenStatusList(bits={self.bits}, entries={len(self)})"

    def to_bytes(self) -> bytes:
        """The uncompressed byte array."""
        return bytes(self._data)

    def _check_index(self, index: Any) -> None:
        if type(index) is not int:
            raise TokenStatusListError(f"a status index is an int, got {type(index).__name__}")
        if not 0 <= index < len(self):
            raise StatusIndexOutOfRange(f"index {index} is outside the list (0..{len(self) - 1})")

    def get(self, index: int) -> int:
        """The status value at `index`."""
        self._check_index(index)
        byte, slot = divmod(index, self._per_byte)
        return (self._data[byte] >> (slot * self.bits)) & self._mask

    def set(self, index: int, value: int) -> None:
        """Set the status value at `index` (0 .. 2**bits - 1)."""
        self._check_index(index)
        if type(value) is not int or not 0 <= value <= self._mask:
            raise TokenStatusListError(f"a {self.bits}-bit status value is 0..{self._mask}, got {value!r}")
        byte, slot = divmod(index, self._per_byte)
        shift = slot * self.bits
        self._data[byte] = (self._data[byte] & ~(self._mask << shift) & 0xFF) | (value << shift)

    def encode(self, level: int = ZLIB_LEVEL) -> str:
        """The `lst` value: base64url (no padding) of the ZLIB-compressed bytes."""
        return keys.b64url_encode(zlib.compress(bytes(self._data), level))

    def to_json(self) -> dict[str, Any]:
        """The Status List in JSON format: `{"bits": .., "lst": ..}`."""
        return {"bits": self.bits, "lst": self.encode()}

    @classmethod
    def decode(cls, lst: Any, bits: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> "TokenStatusList":
        """Parse `lst` strictly: base64url, one complete ZLIB stream, at most `max_bytes` inflated."""
        if type(max_bytes) is not int or max_bytes < 1:
            raise ValueError("max_bytes must be a positive int")  # 0 would mean "no limit" to zlib
        if type(bits) is not int or bits not in BITS:
            raise TokenStatusListError(f"status_list.bits must be 1, 2, 4 or 8, got {str(bits)[:16]!r}")
        if not isinstance(lst, str) or not lst:
            raise EncodedListError("status_list.lst must be a non-empty base64url string")
        if len(lst) > inflate.longest_encoding(max_bytes):
            raise DecompressionLimit(f"status_list.lst is {len(lst)} characters, more than a list within the cap compresses to")
        try:
            compressed = keys.b64url_decode(lst)
        except EncodingError as exc:
            raise EncodedListError(f"status_list.lst is not base64url: {exc.detail}") from None
        data = inflate.inflate(compressed, wbits=inflate.ZLIB, max_bytes=max_bytes, what="status_list.lst", error=EncodedListError)
        if not data:
            raise TokenStatusListError("the status list is empty")
        return cls(data, bits)

    @classmethod
    def from_json(cls, status_list: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> "TokenStatusList":
        """Parse a `status_list` object (`bits`, `lst`, optional `aggregation_uri`)."""
        if not isinstance(status_list, Mapping):
            raise TokenStatusListError("status_list must be an object with `bits` and `lst`")
        if "aggregation_uri" in status_list and not isinstance(status_list["aggregation_uri"], str):
            raise TokenStatusListError("status_list.aggregation_uri must be a string")
        return cls.decode(status_list.get("lst"), status_list.get("bits"), max_bytes=max_bytes)


# --- the reference in a Referenced Token ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """`status.status_list` of a Referenced Token: which entry of which list."""

    uri: str
    idx: int


def _check_uri(value: Any) -> str:
    """An absolute http(s) URL with a host, no fragment, no whitespace: where the token is fetched."""
    if not isinstance(value, str) or not value or len(value) > 2048:
        raise TokenStatusListError("status_list.uri must be a URL string")
    if _SPACE_OR_CONTROL.search(value):
        raise TokenStatusListError("status_list.uri must not contain whitespace or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise TokenStatusListError(f"status_list.uri is not a valid URL: {value[:200]!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise TokenStatusListError(f"status_list.uri must be an absolute https URL, got {value[:200]!r}")
    if parts.fragment:
        raise TokenStatusListError("status_list.uri must not have a fragment")
    return value


def status_reference(uri: str, idx: int) -> dict[str, Any]:
    """The `status` claim of a Referenced Token pointing at entry `idx` of the list at `uri`."""
    _check_uri(uri)
    if type(idx) is not int or idx < 0:
        raise StatusIndexOutOfRange(f"idx must be a non-negative int, got {idx!r}")
    return {"status_list": {"idx": idx, "uri": uri}}


def parse_reference(status: Any) -> Reference:
    """Read a `status` claim strictly (draft section 6.2); any deviation is a TokenStatusListError."""
    if not isinstance(status, Mapping):
        raise TokenStatusListError("`status` must be an object")
    entry = status.get("status_list")
    if not isinstance(entry, Mapping):
        raise TokenStatusListError("`status` has no `status_list` object")
    idx = entry.get("idx")
    if type(idx) is not int or idx < 0:
        raise TokenStatusListError(f"status_list.idx must be a non-negative integer, got {str(idx)[:24]!r}")
    if len(str(idx)) > _MAX_IDX_DIGITS:
        raise StatusIndexOutOfRange("status_list.idx is beyond any list skillpass accepts")
    return Reference(uri=_check_uri(entry.get("uri")), idx=idx)


# --- the Status List Token ------------------------------------------------------------------


def status_list_token_payload(
    uri: str,
    status_list: TokenStatusList,
    *,
    issued_at: int,
    expires_at: int | None = None,
    ttl: int | None = None,
    issuer: str | None = None,
) -> dict[str, Any]:
    """The claims of the Status List Token to sign (header `typ: statuslist+jwt`) and serve at `uri`.

    `iss` is optional in the draft; skillpass sets it to the issuer's DID, the
    `iss` of the credentials the list is about.
    """
    _check_uri(uri)
    for name, value in (("issued_at", issued_at), ("expires_at", expires_at), ("ttl", ttl)):
        if value is not None and (type(value) is not int or value < (1 if name == "ttl" else 0)):
            raise ValueError(f"{name} must be a {'positive' if name == 'ttl' else 'non-negative'} int, got {value!r}")
    if expires_at is not None and expires_at <= issued_at:
        raise ValueError("expires_at must be later than issued_at")
    payload: dict[str, Any] = {}
    if issuer is not None:
        payload["iss"] = issuer
    payload["sub"] = uri
    payload["iat"] = issued_at
    if expires_at is not None:
        payload["exp"] = expires_at
    if ttl is not None:
        payload["ttl"] = ttl
    payload["status_list"] = status_list.to_json()
    return payload


@dataclass(frozen=True)
class VerifiedStatusList:
    """A checked Status List Token's list and times (seconds since 1970)."""

    status_list: TokenStatusList
    issued_at: float
    expires_at: float | None
    ttl: float | None


def _number(payload: Mapping[str, Any], claim: str, *, positive: bool = False) -> float | None:
    if claim not in payload:
        return None
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TokenStatusListError(f"`{claim}` of the Status List Token must be a non-negative number")
    if positive and value <= 0:
        raise TokenStatusListError(f"`{claim}` of the Status List Token must be positive")
    return float(value)


def check_status_list_token(
    payload: Mapping[str, Any],
    *,
    uri: str,
    issuer: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VerifiedStatusList:
    """The claims of a signature-verified Status List Token (draft section 8.3, step 4), then its list.

    `sub` must be `uri` (the reference's); `iss`, when the token has one, must
    be `issuer`; `iat` is required, `exp` and `ttl` are numbers when present.
    Whether the token is expired is the caller's judgement (it knows the time
    and how it reports a stale list).
    """
    if not isinstance(payload, Mapping):
        raise TokenStatusListError("the Status List Token's payload must be an object")
    if payload.get("sub") != uri:
        raise StatusListTokenMismatch(f"the Status List Token's `sub` is not {uri[:200]!r}")
    if issuer is not None and "iss" in payload and payload["iss"] != issuer:
        raise StatusListTokenMismatch(f"the Status List Token is issued by {str(payload['iss'])[:120]!r}, not by {issuer[:120]!r}")
    issued_at = _number(payload, "iat")
    if issued_at is None:
        raise TokenStatusListError("the Status List Token has no `iat`")
    expires_at = _number(payload, "exp")
    ttl = _number(payload, "ttl", positive=True)
    if "status_list" not in payload:
        raise TokenStatusListError("the Status List Token has no `status_list`")
    return VerifiedStatusList(
        TokenStatusList.from_json(payload["status_list"], max_bytes=max_bytes), issued_at, expires_at, ttl
    )
