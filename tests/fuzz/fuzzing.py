"""The fuzz harness the three services share: schemathesis over each app's own /openapi.json.

Each operation gets `FUZZ_EXAMPLES` generated requests (positive and
negative data, random and real path parameters), derandomized so a CI run is
the same every time, through the WSGI app (no server, no network). Checks: no
server error (no 5xx at all), the status code is one the operation documents,
the body conforms to the documented schema and media type.

`SKILLPASS_FUZZ_EXAMPLES` raises the count for a longer local run.
"""

from __future__ import annotations

import collections
import os
import tempfile
from typing import Any, Callable, Iterable, Mapping

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FUZZ_EXAMPLES = int(os.environ.get("SKILLPASS_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def operations(make_app: Callable[[str], Any]) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the app's document (for parametrizing)."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder)
        document = app.test_client().get("/openapi.json").get_json()
        dispose(app)
    return sorted((method.upper(), path) for path, item in document["paths"].items() for method in item)


def dispose(app: Any) -> None:
    for state in app.extensions.values():
        engine = getattr(state, "engine", None)
        if engine is not None:
            engine.dispose()


def fuzz(
    app: Any,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    path_parameters: Iterable[Mapping[str, Any]] = (),
    max_examples: int = FUZZ_EXAMPLES,
) -> collections.Counter[int]:
    """Run the operation's generated cases against `app`; returns how often each status came back.

    `path_parameters`: sets of real values (an existing slug, credential or
    share id) mixed in with the generated ones, so that cases reach past the
    404 of an unknown id.
    """
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operation = schema[path][method]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    for fixed in path_parameters:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=dict(fixed))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    seen: collections.Counter[int] = collections.Counter()
    sent = dict(headers or {})

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=sent, checks=CHECKS)
        seen[response.status_code] += 1

    run()
    return seen
