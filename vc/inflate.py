"""Bounded decompression of status lists: a small compressed list that inflates to
gigabytes (a "zip bomb") is an error, found while inflating, never a hang or an
exhausted memory. Both status-list standards use it: W3C Bitstring Status List
(GZIP) and IETF Token Status List (ZLIB).
"""

from __future__ import annotations

import zlib

from vc.errors import DecompressionLimit, EncodingError

GZIP = 16 + zlib.MAX_WBITS  # the gzip container only: no zlib or raw deflate
ZLIB = zlib.MAX_WBITS  # the zlib format only: no raw deflate, no gzip
_NAMES = {GZIP: "GZIP", ZLIB: "ZLIB"}


def longest_encoding(max_bytes: int) -> int:
    """The most base64url characters a list of at most `max_bytes` can compress to:
    deflate never grows data by more than ~0.1 % plus headers, so a longer text is
    refused unread."""
    return (max_bytes + max_bytes // 1000 + 1024) * 4 // 3 + 4


def inflate(compressed: bytes, *, wbits: int, max_bytes: int, what: str, error: type[EncodingError]) -> bytes:
    """One complete stream of the `wbits` format, inflated to at most `max_bytes`.

    `what` names the member the data came from (e.g. "encodedList") in the
    `error`s raised for data that is not such a stream; beyond the cap it is
    DecompressionLimit.
    """
    name = _NAMES[wbits]
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise error(f"{what} is not valid {name} data ({exc})") from None
    if len(data) > max_bytes:
        raise DecompressionLimit(f"the list inflates beyond the cap of {max_bytes} bytes")
    if not inflater.eof:
        raise error(f"{what} holds a truncated {name} stream")
    if inflater.unused_data:
        raise error(f"{what} has data after the end of the {name} stream")
    return data
