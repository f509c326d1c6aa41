"""The benchmark scenarios, each `scenario(results, per_second)`.

A scenario writes raw figures into results["figures"] and, where the issue sets
a target, a {"value", "target", "met"} entry into results["targets"].
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Any, Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from vc import jose, keys, status_list

PerSecond = Callable[..., float]
_MESSAGE = b"x" * 600  # about the signing input of a credential


def target(results: dict[str, Any], name: str, value: float, goal: float, *, at_least: bool) -> None:
    results["targets"][name] = {
        "value": round(value, 4),
        "target": goal,
        "met": value >= goal if at_least else value < goal,
    }


def raw_crypto(results: dict[str, Any], per_second: PerSecond) -> None:
    """The limit: sign and verify with `cryptography` alone, one core."""
    ed = keys.generate("Ed25519")
    p256 = keys.generate("P-256")
    ed_sig = ed.sign(_MESSAGE)
    ecdsa = ec.ECDSA(hashes.SHA256())
    p_sig = p256.sign(_MESSAGE, ecdsa)
    ed_pub, p_pub = ed.public_key(), p256.public_key()
    f = results["figures"]
    f["raw_sign_ed25519_per_s"] = per_second(lambda: ed.sign(_MESSAGE))
    f["raw_verify_ed25519_per_s"] = per_second(lambda: ed_pub.verify(ed_sig, _MESSAGE))
    f["raw_sign_p256_per_s"] = per_second(lambda: p256.sign(_MESSAGE, ecdsa))
    f["raw_verify_p256_per_s"] = per_second(lambda: p_pub.verify(p_sig, _MESSAGE, ecdsa))


def status_lists(results: dict[str, Any], per_second: PerSecond) -> None:
    """Warm status check of one index, and publishing a list after one change."""
    size = status_list.MIN_ENTRIES
    bits = status_list.StatusList.new(size)
    rng = random.Random(7)
    for index in rng.sample(range(size), size // 100):  # 1 % revoked
        bits.set(index, 1)
    issuer = "did:web:issuer.example:providers:bench"
    url = "https://issuer.example/providers/bench/status/revocation/1"
    credential = status_list.status_list_credential(
        url, issuer, "revocation", bits.encode(), datetime.now(timezone.utc)
    )
    decoded = status_list.decoded_list(credential, list_url=url, purpose="revocation", expected_issuer=issuer)
    probe = rng.randrange(size)
    warm = per_second(lambda: decoded.get(probe), max_calls=2_000_000)

    key = keys.generate("Ed25519")

    def publish() -> None:
        bits.set(rng.randrange(size), 1)
        doc = status_list.status_list_credential(url, issuer, "revocation", bits.encode(), datetime.now(timezone.utc))
        jose.sign_credential(doc, key, issuer + "#key-1")

    publish_rate = per_second(publish, max_calls=5_000)
    f = results["figures"]
    f["status_check_warm_per_s"] = warm
    f["status_publish_changed_per_s"] = publish_rate
    target(results, "status_check_warm_us", 1e6 / warm, 5, at_least=False)
    target(results, "status_publish_changed_ms", 1e3 / publish_rate, 5, at_least=False)


SCENARIOS = [raw_crypto, status_lists]
