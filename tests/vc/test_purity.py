"""vc/ is pure: no web framework, no database, no sockets of its own (DESIGN.md).

Every vc/*.py file is parsed (not imported) and each import it makes -- at
module level or inside a function, `import x`, `from x import y`, relative
imports and `importlib.import_module("x")` / `__import__("x")` with a literal
name -- is checked against the forbidden list. Only vc/fetch.py, the one
guarded HTTP fetcher, may touch the network. vc/ also imports none of the
services (or their shared plumbing).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import vc

VC_DIR = Path(vc.__file__).resolve().parent
NETWORK_EXEMPT = {"fetch.py"}

# Named by the foundation issue.
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "socket", "http.client", "urllib.request", "requests"}
# The same things by other names: other HTTP clients and servers, TLS sockets, database drivers.
FORBIDDEN |= {
    "urllib3",
    "httpx",
    "aiohttp",
    "ssl",
    "socketserver",
    "http.server",
    "http.cookiejar",
    "ftplib",
    "smtplib",
    "xmlrpc.client",
    "sqlite3",
    "psycopg",
    "psycopg2",
    "werkzeug",
}
# Even the fetcher needs no framework, database or third-party HTTP client.
FETCH_FORBIDDEN = {"flask", "werkzeug", "sqlmodel", "sqlalchemy", "sqlite3", "psycopg", "psycopg2", "requests"}
# vc/ imports none of ours but vc (CONTRIBUTING.md).
SERVICES = {"issuer", "wallet", "verifier", "skillpass"}


def imported_modules(source: str) -> set[str]:
    """Every module name `source` (the code of a vc/*.py module) imports, as absolute dotted names."""
    tree = ast.parse(source)
    package = "vc"
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            # `from http import client` imports the module http.client
            names.update(f"{prefix}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            dynamic = (isinstance(func, ast.Name) and func.id in {"__import__", "import_module"}) or (
                isinstance(func, ast.Attribute) and func.attr == "import_module"
            )
            if dynamic and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def violations(names: set[str], forbidden: set[str]) -> set[str]:
    """The names that are, or live inside, a forbidden module."""
    return {n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)}


def vc_sources() -> list[Path]:
    files = sorted(VC_DIR.glob("*.py"))
    assert any(f.name == "jose.py" for f in files), f"vc/ sources not found in {VC_DIR}"
    return files


@pytest.mark.parametrize("path", vc_sources(), ids=lambda p: p.name)
def test_vc_module_imports_no_framework_database_or_network_code(path):
    names = imported_modules(path.read_text(encoding="utf-8"))
    forbidden = FETCH_FORBIDDEN if path.name in NETWORK_EXEMPT else FORBIDDEN
    bad = violations(names, forbidden)
    assert not bad, f"vc/{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", vc_sources(), ids=lambda p: p.name)
def test_vc_module_imports_none_of_the_services(path):
    bad = violations(imported_modules(path.read_text(encoding="utf-8")), SERVICES)
    assert not bad, f"vc/{path.name} imports {sorted(bad)}"


def test_importing_vc_loads_no_framework_or_database():
    """At run time too (socket-level modules are left out: PyJWT itself imports urllib.request)."""
    code = textwrap.dedent(
        """
        import importlib, pkgutil, sys, vc
        for info in pkgutil.iter_modules(vc.__path__):
            if info.name != "fetch":
                importlib.import_module("vc." + info.name)
        roots = {"flask", "werkzeug", "sqlmodel", "sqlalchemy", "sqlite3", "psycopg", "psycopg2",
                 "requests", "urllib3", "httpx", "aiohttp", "issuer", "wallet", "verifier", "skillpass"}
        print(sorted(n for n in sys.modules if n.split(".")[0] in roots))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout


# --- the checker itself catches what it should --------------------------------------------------


@pytest.mark.parametrize(
    "source,expected",
    [
        ("import flask", "flask"),
        ("from flask import Flask", "flask"),
        ("import sqlalchemy.orm as orm", "sqlalchemy.orm"),
        ("from sqlmodel import SQLModel", "sqlmodel"),
        ("import socket", "socket"),
        ("from socket import create_connection", "socket"),
        ("import http.client", "http.client"),
        ("from http import client", "http.client"),
        ("from http.client import HTTPSConnection", "http.client"),
        ("import urllib.request", "urllib.request"),
        ("from urllib import request as r", "urllib.request"),
        ("from urllib.request import urlopen", "urllib.request"),
        ("import requests", "requests"),
        ("def f():\n    import requests\n    return requests", "requests"),
        ("class C:\n    def m(self):\n        from socket import socket", "socket"),
        ("try:\n    import flask\nexcept ImportError:\n    flask = None", "flask"),
        ("import importlib\nm = importlib.import_module('socket')", "socket"),
        ("from importlib import import_module\nm = import_module('requests')", "requests"),
        ("m = __import__('flask')", "flask"),
        ("import os, sqlalchemy", "sqlalchemy"),
    ],
)
def test_checker_finds_forbidden_imports(source, expected):
    bad = violations(imported_modules(source), FORBIDDEN)
    assert expected in bad


@pytest.mark.parametrize(
    "source",
    [
        "from urllib.parse import urlsplit",
        "import urllib.parse",
        "from http import HTTPStatus",
        "import json, re, hashlib",
        "from vc import keys",
        "from . import keys",
        "from .errors import InvalidKey",
        "import socketlike",
        "import flasks",
        "x = 'import socket'",
    ],
)
def test_checker_allows_pure_imports(source):
    assert not violations(imported_modules(source), FORBIDDEN)


def test_checker_resolves_relative_imports_into_vc():
    assert imported_modules("from . import keys\nfrom .did import resolve") >= {"vc", "vc.keys", "vc.did"}
    assert violations(imported_modules("from issuer import app"), SERVICES) == {"issuer", "issuer.app"}
