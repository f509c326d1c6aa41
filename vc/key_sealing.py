"""Private keys at rest: AES-256-GCM under a master key, bound to their owner.

A service stores each private key sealed with the deployment's master key
(`SKILLPASS_MASTER_KEY`, 32 random bytes, base64url). The associated data
binds the sealed blob to its owner (a provider's key id, a citizen's account
id): a blob copied into another row fails to open instead of silently lending
one party's key to another. Pure computation; where the master key comes
from is the service's business.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vc.errors import EncodingError, InvalidKey
from vc.keys import b64url_decode, b64url_encode

_VERSION = b"\x01"
_NONCE_BYTES = 12


def generate_master_key() -> str:
    """A new master key in the text form the environment variable takes."""
    return b64url_encode(os.urandom(32))


def parse_master_key(text: str) -> bytes:
    """The 32 bytes of a base64url master key; anything else is refused, not padded."""
    try:
        key = b64url_decode(text.strip())
    except EncodingError as exc:
        raise InvalidKey("the master key must be 32 bytes, base64url") from exc
    if len(key) != 32:
        raise InvalidKey("the master key must be 32 bytes, base64url")
    return key


def seal(master_key: bytes, plaintext: bytes, owner: str) -> bytes:
    """Encrypt `plaintext` for storage; `owner` must be given again to open it."""
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION + nonce + AESGCM(master_key).encrypt(nonce, plaintext, owner.encode())


def open_sealed(master_key: bytes, blob: bytes, owner: str) -> bytes:
    """Decrypt a sealed blob; a wrong master key, owner or any tampering is InvalidKey."""
    if len(blob) < 1 + _NONCE_BYTES + 16 or blob[:1] != _VERSION:
        raise InvalidKey("not a sealed key blob")
    nonce, ciphertext = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
    try:
        return AESGCM(master_key).decrypt(nonce, ciphertext, owner.encode())
    except InvalidTag as exc:
        raise InvalidKey("sealed key does not open with this master key and owner") from exc
