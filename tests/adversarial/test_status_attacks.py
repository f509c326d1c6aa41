"""Status-list attacks against the verifier, with the real issuer served over HTTP on 127.0.0.1.

The issuer runs as a real server; the verifier fetches its DID document and
status lists with its real guarded fetcher (VERIFIER_DEV_HOSTS names the
issuer's host:port, as in `make run`; no cache). Crafted lists are served on
the issuer's own origin and signed with the provider's own key (the attacker
is a careless or compromised issuer, or someone who can place a file there):
out-of-range and malformed indices, short lists, a missing `u`, not gzip, gzip
bombs, another issuer's list, another purpose's list, stale lists. Each is
refused with its exact check and code, the credential is not verified, and
neither the verifier's nor the issuer's database changes.
"""

from __future__ import annotations

import copy
import gzip
import json
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from adversarial_helpers import LiveIssuer, b64, checks_of, failed_codes, forge, table_counts
from verifier_helpers import Holder
from vc import jose, keys
from vc.status_list import StatusList, status_entry, status_list_credential

NOW = datetime.now(timezone.utc).replace(microsecond=0)


class World:
    def __init__(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        from verifier import create_app
        from verifier.config import Config

        self.live = LiveIssuer(tmp_path)
        self.roc = self.live.provider("roc-west")
        self.other = self.live.provider("other-college")
        self.holder = Holder()
        issued = self.live.issue(self.roc, self.holder.did)
        self.live.issue(self.other, Holder().did)  # the other provider's lists exist too
        self.payload = jose.decode_jws(issued["credential"]).payload
        self.key, self.kid = self.live.signing_key(self.roc)
        self.other_key, self.other_kid = self.live.signing_key(self.other)
        self.revocation = self.payload["credentialStatus"][0]["statusListCredential"]
        self.suspension = self.revocation.replace("/revocation/", "/suspension/")
        self.index = int(self.payload["credentialStatus"][0]["statusListIndex"])
        registry = tmp_path / "registry.json"
        registry.write_text(json.dumps({"issuers": [
            {"id": self.roc["did"], "name": "ROC West", "accreditation": ["mbo"]},
            {"id": self.other["did"], "name": "Other College", "accreditation": ["hbo"]},
        ]}))
        self.app = create_app(Config(
            database_url=f"sqlite:///{tmp_path / 'verifier.db'}",
            audience="https://employer.test",
            trust_registry=str(registry),
            dev_hosts=(self.live.host,),
            cache_ttl=0,
            cache_max_ttl=0,
            auto_migrate=True,
            rate_limit=False,
        ))
        self.client = self.app.test_client()
        self.token = issued["credential"]

    def counts(self) -> dict[str, Any]:
        from verifier.models import metadata

        return {"verifier": table_counts(self.app.extensions["verifier"].engine, metadata), "issuer": self.live.counts()}

    def with_status(self, entries: Any) -> str:
        payload = copy.deepcopy(self.payload)
        payload["credentialStatus"] = entries
        return jose.sign_credential(payload, self.key, self.kid)

    def entry(self, url: str | None = None, index: Any = ..., purpose: str = "revocation") -> dict[str, Any]:
        entry = status_entry(url or self.revocation, self.index, purpose)
        if index is not ...:
            entry["statusListIndex"] = index
        return entry

    def publish(self, name: str, body: bytes | str, media_type: str = "application/vc+jwt") -> str:
        path = f"/providers/roc-west/status/crafted-{name}"
        self.live.overrides[path] = (body.encode() if isinstance(body, str) else body, media_type)
        return self.live.base + path

    def list_token(
        self,
        url: str,
        *,
        encoded: str | None = None,
        purpose: str = "revocation",
        issuer: str | None = None,
        list_id: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        key: Any = None,
        kid: str | None = None,
    ) -> str:
        document = status_list_credential(
            url, issuer or self.roc["did"], purpose, "u" if encoded is None else "u",
            valid_from or NOW - timedelta(minutes=5), valid_until or NOW + timedelta(minutes=10),
        )
        document["credentialSubject"]["encodedList"] = StatusList.new().encode() if encoded is None else encoded
        if list_id is not None:
            document["id"] = list_id
        return jose.sign_credential(document, key or self.key, kid or self.kid)

    def crafted(self, name: str, purpose: str = "revocation", **options: Any) -> str:
        """Publish a crafted list at its own URL; returns a credential whose entry points there."""
        url = self.publish(name, b"")
        self.live.overrides[url.removeprefix(self.live.base)] = (self.list_token(url, purpose=purpose, **options).encode(), "application/vc+jwt")
        return self.with_status([self.entry(url, purpose=purpose)])


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    w = World(tmp_path_factory.mktemp("status"))
    yield w
    w.live.close()
    w.app.extensions["verifier"].engine.dispose()


def u(data: bytes) -> str:
    return "u" + b64(data)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def _bomb() -> str:
    """64 MiB of zeros in about 64 KiB: expands far past the decompression cap."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(64)) + compressor.flush()
    return u(data)


CaseT = tuple[str, Callable[[World], str], str, str, str]

# (name, credential builder, check, status, code)
INDEX_CASES: list[CaseT] = [
    ("index-just-past-the-end", lambda w: w.with_status([w.entry(index="131072")]), "status.revocation", "failed", "status_index_out_of_range"),
    ("index-huge", lambda w: w.with_status([w.entry(index="999999999999999999")]), "status.revocation", "failed", "status_index_out_of_range"),
    ("index-19-digits", lambda w: w.with_status([w.entry(index="9" * 19)]), "status", "failed", "status_index_out_of_range"),
    ("index-5000-digits", lambda w: w.with_status([w.entry(index="9" * 5000)]), "status", "failed", "status_index_out_of_range"),
]
for label, value in (("negative", "-1"), ("leading-zero", "01"), ("decimal", "1.5"), ("exponent", "1e3"), ("space", " 5"),
                     ("empty", ""), ("hex", "0x10"), ("fullwidth-digits", "\uff15"), ("plus", "+5"), ("int-negative", -1),
                     ("boolean", True), ("null", None), ("list", ["5"]), ("float", 5.0)):
    INDEX_CASES.append((f"index-{label}", lambda w, v=value: w.with_status([w.entry(index=v)]), "status", "failed", "invalid_status_list"))

ENTRY_CASES: list[CaseT] = [
    ("entry-status-size-2", lambda w: w.with_status([{**w.entry(), "statusSize": 2}]), "status", "failed", "invalid_status_list"),
    ("entry-type-statuslist2021", lambda w: w.with_status([{**w.entry(), "type": "StatusList2021Entry"}]), "status", "failed", "invalid_status_list"),
    ("entry-purpose-upper-case", lambda w: w.with_status([{**w.entry(), "statusPurpose": "REVOCATION"}]), "status", "failed", "invalid_status_list"),
    ("entry-without-list-url", lambda w: w.with_status([{k: v for k, v in w.entry().items() if k != "statusListCredential"}]), "status", "failed", "invalid_status_list"),
    ("entry-list-url-javascript", lambda w: w.with_status([{**w.entry(), "statusListCredential": "javascript:alert(1)"}]), "status", "failed", "invalid_status_list"),
    ("entry-id-is-the-list-url", lambda w: w.with_status([{**w.entry(), "id": w.revocation}]), "status", "failed", "invalid_status_list"),
    ("entry-not-an-object", lambda w: w.with_status(["revoked?"]), "status", "failed", "invalid_status_list"),
    ("entries-nine", lambda w: w.with_status([w.entry(index=str(i)) for i in range(9)]), "status", "failed", "too_many_status_entries"),
]

LIST_CASES: list[CaseT] = [
    ("list-too-short", lambda w: w.crafted("short", encoded=u(gz(bytes(1024 // 8)))), "status.revocation", "failed", "status_list_too_short"),
    ("list-one-byte", lambda w: w.crafted("one-byte", encoded=u(gz(b"\x00"))), "status.revocation", "failed", "status_list_too_short"),
    ("list-missing-u", lambda w: w.crafted("no-u", encoded=b64(gz(bytes(131072 // 8)))), "status.revocation", "failed", "invalid_encoding"),
    ("list-base58-multibase", lambda w: w.crafted("z", encoded="z" + b64(gz(bytes(131072 // 8)))), "status.revocation", "failed", "invalid_encoding"),
    ("list-not-gzip", lambda w: w.crafted("raw", encoded=u(bytes(131072 // 8))), "status.revocation", "failed", "invalid_encoding"),
    ("list-zlib-not-gzip", lambda w: w.crafted("zlib", encoded=u(zlib.compress(bytes(131072 // 8)))), "status.revocation", "failed", "invalid_encoding"),
    ("list-truncated-gzip", lambda w: w.crafted("truncated", encoded=u(gz(bytes(131072 // 8))[:-12])), "status.revocation", "failed", "invalid_encoding"),
    ("list-padded-base64", lambda w: w.crafted("padded", encoded=u(gz(bytes(131072 // 8))) + "=="), "status.revocation", "failed", "invalid_encoding"),
    ("list-not-base64", lambda w: w.crafted("garbage", encoded="u!!!!"), "status.revocation", "failed", "invalid_encoding"),
    ("list-gzip-bomb", lambda w: w.crafted("bomb", encoded=_bomb()), "status.revocation", "failed", "decompression_limit"),
    ("list-of-another-issuer", lambda w: w.with_status([w.entry(w.revocation.replace("/roc-west/", "/other-college/"))]),
     "status.revocation", "failed", "status_list_issuer_mismatch"),
    ("list-signed-by-another-issuer", lambda w: w.crafted("other-signer", key=w.other_key, kid=w.other_kid),
     "status.revocation", "failed", "status_list_issuer_mismatch"),
    ("list-naming-another-issuer", lambda w: w.crafted("other-named", issuer=w.other["did"]), "status.revocation", "failed", "status_list_issuer_mismatch"),
    ("list-of-another-purpose", lambda w: w.with_status([w.entry(w.suspension)]), "status.revocation", "failed", "status_list_purpose_mismatch"),
    ("list-crafted-other-purpose", lambda w: w.with_status([w.entry(w.publish("purpose", w.list_token(w.live.base + "/providers/roc-west/status/crafted-purpose", purpose="suspension")))]),
     "status.revocation", "failed", "status_list_purpose_mismatch"),
    ("list-with-another-id", lambda w: w.crafted("other-id", list_id="https://issuer.example/elsewhere"), "status.revocation", "failed", "status_list_id_mismatch"),
    ("list-stale", lambda w: w.crafted("stale", valid_from=NOW - timedelta(days=2), valid_until=NOW - timedelta(days=1)),
     "status.revocation", "unknown", "status_list_stale"),
    ("list-not-yet-valid", lambda w: w.crafted("future", valid_from=NOW + timedelta(days=1), valid_until=NOW + timedelta(days=2)),
     "status.revocation", "unknown", "status_list_not_yet_valid"),
    ("list-signed-by-an-attacker", lambda w: w.crafted("forged", key=keys.generate()), "status.revocation", "failed", "status_list_signature_invalid"),
    ("list-alg-none", lambda w: w.with_status([w.entry(w.publish("alg-none", forge({"alg": "none", "typ": "vc+jwt", "kid": w.kid}, {"id": "x"}, signature=b"\0")))]),
     "status.revocation", "failed", "status_list_signature_invalid"),
    ("list-unsecured-json", lambda w: w.with_status([w.entry(w.publish("json", json.dumps({"type": ["VerifiableCredential", "BitstringStatusListCredential"]}), "application/json"))]),
     "status.revocation", "failed", "invalid_status_list"),
    ("list-not-found", lambda w: w.with_status([w.entry(w.live.base + "/providers/roc-west/status/revocation/999")]), "status.revocation", "unknown", "status_unavailable"),
    ("list-over-one-mebibyte", lambda w: w.with_status([w.entry(w.publish("huge", b"x" * (1024 * 1024 + 1)))]), "status.revocation", "unknown", "status_unavailable"),
]

CASES = INDEX_CASES + ENTRY_CASES + LIST_CASES


def test_the_untouched_credential_verifies(world):
    r = world.client.post("/verify", json={"credential": world.token})
    assert r.get_json()["verified"] is True, r.get_json()["checks"]


#: Cases where a check besides the status check also fails, by design.
ALSO_FAILS = {"entry-not-an-object": {"data_model"}}  # VC DM 2.0: credentialStatus entries are objects


@pytest.mark.parametrize("name,build,check,status,code", CASES, ids=[c[0] for c in CASES])
def test_status_attack(world, name, build, check, status, code):
    token = build(world)
    world.client.post("/verify", json={"credential": world.token})  # warm: the issuer publishes its lists once
    before = world.counts()
    r = world.client.post("/verify", json={"credential": token})
    assert r.status_code == 200
    report = r.get_json()
    assert report["verified"] is False
    found = [(c["status"], c["code"]) for c in report["checks"] if c["check"] == check]
    assert (status, code) in found, report["checks"]
    # everything but the status (and the schema, which also describes credentialStatus) holds
    others = {
        k: v for k, v in checks_of(report).items() if not k.startswith("status") and k != "schema" and k not in ALSO_FAILS.get(name, ())
    }
    assert all(outcome[0] == "passed" for outcome in others.values()), others
    # the VC-API answers 422 with the first problem
    v = world.client.post("/credentials/verify", json={"verifiableCredential": token})
    assert v.status_code == 422 and v.get_json()["error"] == failed_codes(v.get_json())[0]
    # "unknown" may be accepted by a caller who takes the risk; a failure never is
    accepted = world.client.post("/verify", json={"credential": token, "options": {"acceptUnknown": ["status"]}}).get_json()
    assert accepted["verified"] is (status == "unknown")
    assert world.counts() == before


def test_a_revoked_bit_in_a_crafted_but_valid_list_still_counts(world):
    """The same machinery is not lax: a list that is right in every way is read, and its bit obeyed."""
    bits = StatusList.new()
    bits.set(world.index, 1)
    token = world.crafted("revoked", encoded=bits.encode())
    report = world.client.post("/verify", json={"credential": token}).get_json()
    assert checks_of(report)["status.revocation"] == ("failed", "revoked")
