import pytest

from vc import key_sealing
from vc.errors import InvalidKey


def test_seal_round_trip_and_owner_binding():
    master = key_sealing.parse_master_key(key_sealing.generate_master_key())
    blob = key_sealing.seal(master, b"secret key bytes", "provider:1")
    assert b"secret key bytes" not in blob
    assert key_sealing.open_sealed(master, blob, "provider:1") == b"secret key bytes"
    with pytest.raises(InvalidKey):
        key_sealing.open_sealed(master, blob, "provider:2")


def test_wrong_master_key_and_tampering_are_refused():
    master = key_sealing.parse_master_key(key_sealing.generate_master_key())
    other = key_sealing.parse_master_key(key_sealing.generate_master_key())
    blob = key_sealing.seal(master, b"k", "a")
    with pytest.raises(InvalidKey):
        key_sealing.open_sealed(other, blob, "a")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidKey):
        key_sealing.open_sealed(master, tampered, "a")
    with pytest.raises(InvalidKey):
        key_sealing.open_sealed(master, b"\x01short", "a")


@pytest.mark.parametrize("text", ["", "abc", "A" * 42, "not base64!" * 4, "A" * 44])
def test_master_key_must_be_32_bytes_base64url(text):
    with pytest.raises(InvalidKey):
        key_sealing.parse_master_key(text)
