"""`make run`: the three services on 127.0.0.1 with demo data, for development.

Each service runs as its own gunicorn process with its own SQLite database
under ./var/, as they would be deployed (three organisations, HTTP only). The
demo story is then played over that HTTP: a provider (slug `demo-roc`) issues a
microcredential and a skill attestation to a demo citizen, who imports both and
shares them; the share link (and a QR code in the terminal) is printed, and
the verifier's trust registry lists the demo provider, so the link verifies.

Secrets come from the environment (`SKILLPASS_MASTER_KEY`, `ISSUER_ADMIN_TOKEN`)
or, when unset, are generated once into var/dev-secrets.json and reused, so a
second run finds the same data. Never use any of this in production.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import qrcode
import requests

from vc import did, key_sealing

VAR = Path(os.environ.get("SKILLPASS_VAR", "var"))
DEMO_SLUG = "demo-roc"
DEMO_EMAIL = "sanne@example.nl"
SERVICES = ("issuer", "wallet", "verifier")
DEFAULT_PORTS = {"issuer": 5001, "wallet": 5002, "verifier": 5003}


def _port(service: str) -> int:
    return int(os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service]))


def _url(service: str) -> str:
    return f"http://127.0.0.1:{_port(service)}"


def dev_secrets() -> dict[str, str]:
    """Development secrets: the environment's, else generated once and kept in var/."""
    path = VAR / "dev-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    values = {
        "SKILLPASS_MASTER_KEY": os.environ.get("SKILLPASS_MASTER_KEY") or stored.get("SKILLPASS_MASTER_KEY") or key_sealing.generate_master_key(),
        "ISSUER_ADMIN_TOKEN": os.environ.get("ISSUER_ADMIN_TOKEN") or stored.get("ISSUER_ADMIN_TOKEN") or secrets.token_urlsafe(32),
        "DEMO_PASSWORD": stored.get("DEMO_PASSWORD") or secrets.token_urlsafe(12),
    }
    if values != stored:
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        path.chmod(0o600)
    return values


def demo_provider_did() -> str:
    return did.did_web_from_url(f"{_url('issuer')}/providers/{DEMO_SLUG}")


def write_trust_registry() -> Path:
    path = VAR / "trust-registry.json"
    registry = {
        "name": "skillpass development registry",
        "issuers": [
            {
                "id": demo_provider_did(),
                "name": {"nl": "ROC Demo (ontwikkeling)", "en": "ROC Demo (development)"},
                "accreditation": ["mbo"],
            }
        ],
    }
    VAR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(registry, indent=2))
    return path


def service_environment(service: str, secrets_: dict[str, str], registry: Path) -> dict[str, str]:
    """The environment one service process gets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISSUER_", "WALLET_", "VERIFIER_"))}
    env.pop("DATABASE_URL", None)
    env["SKILLPASS_MASTER_KEY"] = secrets_["SKILLPASS_MASTER_KEY"]
    prefix = service.upper() + "_"
    env[prefix + "DATABASE_URL"] = f"sqlite:///{(VAR / f'{service}.db').resolve()}"
    env[prefix + "AUTO_MIGRATE"] = "1"
    issuer_host = f"127.0.0.1:{_port('issuer')}"
    if service == "issuer":
        env.update(
            ISSUER_BASE_URL=_url("issuer"),
            ISSUER_ADMIN_TOKEN=secrets_["ISSUER_ADMIN_TOKEN"],
            ISSUER_DEFAULT_PROVIDER=DEMO_SLUG,
            ISSUER_STATUS_TTL="30",
        )
    elif service == "wallet":
        env.update(WALLET_PUBLIC_URL=_url("wallet"), WALLET_DEV_HOSTS=issuer_host, WALLET_TRUST_REGISTRY=str(registry.resolve()))
    else:
        env.update(
            VERIFIER_TRUST_REGISTRY=str(registry.resolve()),
            VERIFIER_DEV_HOSTS=f"{issuer_host},127.0.0.1:{_port('wallet')}",
            VERIFIER_AUDIENCE=_url("verifier"),
            VERIFIER_CACHE_TTL="30",
        )
    return env


def start(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{_port(service)}",
        "--workers", "1", "--threads", "4",
        "--access-logfile", "-", "--log-level", "warning",
        f"{service}.app:create_app()",
    ]
    log = open(VAR / f"{service}.log", "ab")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(service: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{service} exited at start; see {VAR / (service + '.log')}")
        try:
            if requests.get(_url(service) + "/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{service} did not become healthy in {timeout:.0f} s; see {VAR / (service + '.log')}")


# --- the demo story, over HTTP -----------------------------------------------


def _ok(response: requests.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in expected:
        raise SystemExit(f"{response.request.method} {response.url}: {response.status_code} {response.text[:500]}")
    return response.json() if response.content else {}


def _example_subject(name: str) -> dict[str, Any]:
    from importlib.resources import files

    example = json.loads((files("skillpass_schemas") / "examples" / name).read_text(encoding="utf-8"))
    subject = dict(example["credentialSubject"])
    subject.pop("id", None)
    return {"subject": subject, "evidence": example.get("evidence")}


def seed(secrets_: dict[str, str]) -> dict[str, Any]:
    """Play the demo story once; later runs reuse what var/demo.json remembers."""
    state_path = VAR / "demo.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    issuer, wallet = _url("issuer"), _url("wallet")
    admin = {"Authorization": f"Bearer {secrets_['ISSUER_ADMIN_TOKEN']}"}

    if "api_key" not in state:
        provider = {"slug": DEMO_SLUG, "name": {"nl": "ROC Demo", "en": "ROC Demo"}, "country": "NL", "homepage": "https://roc-demo.example"}
        _ok(requests.post(f"{issuer}/admin/providers", json=provider, headers=admin, timeout=30), 201, 409)
        state["api_key"] = _ok(requests.post(f"{issuer}/admin/providers/{DEMO_SLUG}/api-keys", json={"label": "make run"}, headers=admin, timeout=30), 201)["key"]

    account = {"email": DEMO_EMAIL, "password": secrets_["DEMO_PASSWORD"], "display_name": "Sanne de Vries"}
    registered = requests.post(f"{wallet}/auth/register", json=account, timeout=30)
    if registered.status_code == 201:
        token = registered.json()["token"]
    else:
        token = _ok(requests.post(f"{wallet}/auth/login", json={"email": DEMO_EMAIL, "password": secrets_["DEMO_PASSWORD"]}, timeout=30), 200)["token"]
    citizen = {"Authorization": f"Bearer {token}"}
    holder = _ok(requests.get(f"{wallet}/me", headers=citizen, timeout=30), 200)["did"]

    if not state.get("credentials"):
        api = {"Authorization": f"Bearer {state['api_key']}"}
        ids = []
        for kind, example in (("microcredential", "microcredential-roc-veilig-werken-met-warmtepompen.json"), ("skill-attestation", "skill-attestation-evc-warmtepompen-installeren.json")):
            body = {"type": kind, "holder": holder, **{k: v for k, v in _example_subject(example).items() if v is not None}}
            issued = _ok(requests.post(f"{issuer}/providers/{DEMO_SLUG}/credentials", json=body, headers=api, timeout=30), 201)
            stored = _ok(requests.post(f"{wallet}/credentials", json={"credential": issued["credential"], "labels": ["demo"]}, headers=citizen, timeout=60), 201)
            ids.append({"issuer_id": issued["id"], "wallet_id": stored["id"]})
        state["credentials"] = ids

    share = _ok(
        requests.post(f"{wallet}/shares", json={"credential_ids": [c["wallet_id"] for c in state["credentials"]], "purpose": "sollicitatie (demo)"}, headers=citizen, timeout=30),
        201,
    )
    state["share_url"] = share["url"]
    state["link_expires_at"] = share["link_expires_at"]
    state_path.write_text(json.dumps(state, indent=2))
    state_path.chmod(0o600)
    return state


def print_summary(secrets_: dict[str, str], state: dict[str, Any]) -> None:
    print(f"""
skillpass is running (development only: these secrets are in {VAR}/dev-secrets.json)

  issuer    {_url('issuer')}    admin token  {secrets_['ISSUER_ADMIN_TOKEN']}
  wallet    {_url('wallet')}    demo login   {DEMO_EMAIL} / {secrets_['DEMO_PASSWORD']}
  verifier  {_url('verifier')}
  master key (SKILLPASS_MASTER_KEY)  {secrets_['SKILLPASS_MASTER_KEY']}
  demo provider  {demo_provider_did()}  API key {state['api_key']}

Share link (link expires {state['link_expires_at']}):
  {state['share_url']}

Verify it as an employer would:
  curl -s -X POST {_url('verifier')}/verify -H 'Content-Type: application/json' \\
       -d '{{"share_url": "{state['share_url']}"}}'
""")
    code = qrcode.QRCode(border=1)
    code.add_data(state["share_url"])
    code.print_ascii(invert=True)
    print("\nCtrl-C stops all three services.", flush=True)


def run(only: str | None = None) -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    secrets_ = dev_secrets()
    registry = write_trust_registry()
    wanted = [only] if only else list(SERVICES)
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def stop(*_: Any) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        for service in wanted:
            processes[service] = start(service, service_environment(service, secrets_, registry))
        for service in wanted:
            wait_healthy(service, processes[service])
        if only is None:
            print_summary(secrets_, seed(secrets_))
        else:
            print(f"{only} is running on {_url(only)}; Ctrl-C stops it.", flush=True)
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        failed = [s for s, p in processes.items() if p.poll() is not None]
        print(f"stopped: {', '.join(failed)} exited; see the logs in {VAR}/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        stop()
