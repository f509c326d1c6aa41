"""In-memory issuer for the in-process benchmarks: a did:web provider whose DID
document and status lists are served from memory, and many DIFFERENT
credentials made with vc/ the way issuer/issuance.py makes them.

Nothing here touches the network; the fetcher is wrapped in the real
vc.cache.CachingFetcher so that the verifier's warm path is the deployed one.
"""

from __future__ import annotations

import copy
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from typing import Any, Mapping

from vc import credential_types, jose, keys, model, sdjwt, status_list, token_status_list
from vc import did as dids
from vc.cache import CachingFetcher
from vc.errors import FetchError
from vc.fetch import Fetched
from vc.trust import TrustRegistry

ORIGIN = "https://issuer.bench.example"
SLUG = "roc-bench"


def example(name: str) -> dict[str, Any]:
    return json.loads((files("skillpass_schemas") / "examples" / name).read_text(encoding="utf-8"))


MICRO = example("microcredential-roc-veilig-werken-met-warmtepompen.json")


def example_subject() -> dict[str, Any]:
    """The subject data a provider's system posts (no `id`: the holder is given apart)."""
    subject = copy.deepcopy(MICRO["credentialSubject"])
    subject.pop("id", None)
    return subject


class MemoryFetcher:
    """Serves registered URLs from a dict (as an HTTP 200 with Cache-Control); others 404."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.calls = 0

    def __call__(self, url: str, *, headers: Mapping[str, str] | None = None) -> Fetched:
        self.calls += 1
        body = self.documents.get(url)
        if body is None:
            raise FetchError(f"HTTP 404 from {url}")
        return Fetched(url, 200, {"content-type": "application/json", "cache-control": "max-age=3600"}, body)


@dataclass
class MemoryIssuer:
    """A provider with an Ed25519 key, a DID document, revocation and suspension lists (1 % set)."""

    fetcher: MemoryFetcher = field(default_factory=MemoryFetcher)
    seed: int = 7

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.key = keys.generate("Ed25519")
        self.base = f"{ORIGIN}/providers/{SLUG}"
        self.did = dids.did_web_from_url(self.base)
        self.kid = f"{self.did}#key-1"
        doc = dids.build_did_document(self.did, [("key-1", self.key.public_key())])
        self.fetcher.documents[dids.did_web_to_url(self.did)] = json.dumps(doc).encode()
        self.ct = credential_types.get_type("microcredential")
        self.lists: dict[str, status_list.StatusList] = {}
        size = status_list.MIN_ENTRIES
        self.revoked = set(self.rng.sample(range(size), size // 100))
        for purpose in ("revocation", "suspension"):
            bits = status_list.StatusList.new(size)
            if purpose == "revocation":
                for i in self.revoked:
                    bits.set(i, 1)
            self.lists[purpose] = bits
            self.publish(purpose)
        # Token Status List (for SD-JWT VCs), 2 bits, the same revocations.
        self.token_list_url = f"{self.base}/status/token/1"
        tsl = token_status_list.TokenStatusList.combine(self.lists["revocation"].to_bytes())
        now = int(time.time())
        payload = token_status_list.status_list_token_payload(
            self.token_list_url, tsl, issued_at=now - 60, expires_at=now + 3600, ttl=3600, issuer=self.did
        )
        self.fetcher.documents[self.token_list_url] = jose.sign_jws(
            payload, self.key, kid=self.kid, typ=token_status_list.TYP
        ).encode()
        self.free = [i for i in range(size) if i not in self.revoked]
        self.rng.shuffle(self.free)

    def list_url(self, purpose: str) -> str:
        return f"{self.base}/status/{purpose}/1"

    def publish(self, purpose: str) -> None:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        credential = status_list.status_list_credential(
            self.list_url(purpose), self.did, purpose, self.lists[purpose].encode(),
            now - timedelta(minutes=1), now + timedelta(hours=1),
        )
        self.fetcher.documents[self.list_url(purpose)] = jose.sign_credential(credential, self.key, self.kid).encode()

    def registry(self) -> TrustRegistry:
        return TrustRegistry.from_json({"issuers": [{"id": self.did, "name": {"nl": "ROC Bench"}, "accreditation": ["mbo"]}]})

    def caching_fetcher(self) -> CachingFetcher:
        return CachingFetcher(self.fetcher, default_ttl=3600, max_ttl=3600)

    def vc_jwts(self, count: int, holders: int = 64, *, holder: str | None = None) -> list[str]:
        """`count` different vc+jwt microcredentials (own id, holder, status index each)."""
        holder_dids = [holder] if holder else [dids.did_key(keys.generate("Ed25519")) for _ in range(holders)]
        holders = len(holder_dids)
        subject = example_subject()
        now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
        tokens = []
        for n in range(count):
            index = self.free[n % len(self.free)]
            status = [
                status_list.status_entry(self.list_url(p), index, p) for p in ("revocation", "suspension")
            ]
            credential = model.build_credential(
                issuer={"id": self.did, "type": ["Profile"], "name": "ROC Bench"},
                subject={**subject, "id": holder_dids[n % holders]},
                types=self.ct.types,
                contexts=self.ct.context,
                valid_from=now,
                credential_id=model.new_id(),
                schema=[self.ct.credential_schema],
                status=status,
                extra={"name": subject["achievement"]["name"]},
            )
            tokens.append(jose.sign_credential(credential, self.key, self.kid))
        return tokens

    def sd_jwt_presentations(self, count: int, *, audience: str, nonce: str) -> list[str]:
        """`count` different SD-JWT VC presentations (KB-JWT), each disclosing a few claims."""
        profile = self.ct.sd_jwt
        assert profile is not None
        holder = keys.generate("Ed25519")
        holder_jwk = keys.public_jwk(holder)
        subject = {**example_subject(), "id": dids.did_key(holder)}
        out = []
        for n in range(count):
            index = self.free[n % len(self.free)]
            issued = sdjwt.issue(
                {"jti": model.new_id(), "name": subject["achievement"]["name"], "credentialSubject": subject},
                self.key,
                kid=self.kid,
                issuer=self.did,
                vct=credential_types.vct_for(ORIGIN, self.ct),
                disclosable=profile.disclosable,
                holder_jwk=holder_jwk,
                decoys={path: 2 for path in profile.decoy_containers},
                iat=int(time.time()) - 60,
                status=token_status_list.status_reference(self.token_list_url, index),
            )
            disclose = [c.path for c in sdjwt.disclosable_claims(issued)][:2]
            out.append(sdjwt.present(issued, disclose, holder_key=holder, audience=audience, nonce=nonce))
        return out
