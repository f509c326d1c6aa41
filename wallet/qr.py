"""QR codes of share links: SVG (qrcode's path image) and PNG (written here).

The PNG writer is a few lines of zlib over the QR matrix, so the wallet needs
no imaging library (qrcode's PNG backends need Pillow or pypng).
"""

from __future__ import annotations

import struct
import zlib
from typing import TextIO

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathFillImage

BORDER = 4  # modules of quiet zone, as ISO/IEC 18004 requires
PNG_SCALE = 8  # pixels per module


def _code(text: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(text)
    code.make(fit=True)
    return code


def matrix(text: str) -> list[list[bool]]:
    """The modules, quiet zone included (True is dark)."""
    return _code(text).get_matrix()


def svg(text: str) -> bytes:
    image = _code(text).make_image(image_factory=SvgPathFillImage)
    return image.to_string(encoding="utf-8")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(text: str, scale: int = PNG_SCALE) -> bytes:
    """An 8-bit greyscale PNG, `scale` pixels per module."""
    modules = matrix(text)
    size = len(modules) * scale
    rows = bytearray()
    for line in modules:
        pixels = b"".join((b"\x00" if dark else b"\xff") * scale for dark in line)
        rows += (b"\x00" + pixels) * scale  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b"")


def print_terminal(text: str, out: TextIO) -> None:
    """The QR code in a terminal (half-block characters), quiet zone included."""
    _code(text).print_ascii(out=out, invert=True)
