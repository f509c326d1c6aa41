import json

from click.testing import CliRunner

from skillpass.cli import main
from vc import key_sealing, keys


def test_keygen_prints_a_private_jwk_that_imports():
    result = CliRunner().invoke(main, ["keygen", "--type", "P-256"])
    assert result.exit_code == 0, result.output
    jwk = json.loads(result.stdout)
    key = keys.key_from_jwk({k: v for k, v in jwk.items() if k != "kid"})
    assert keys.key_type_of(key) == "P-256"
    assert jwk["kid"] == keys.thumbprint(keys.public_jwk(key))


def test_keygen_master_key_is_32_bytes():
    result = CliRunner().invoke(main, ["keygen", "--master-key"])
    assert result.exit_code == 0
    assert len(key_sealing.parse_master_key(result.stdout)) == 32
