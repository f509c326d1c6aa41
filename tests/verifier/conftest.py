"""Fixtures of the verifier tests; they live in verifier_helpers with the helpers."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from verifier_helpers import (  # noqa: E402,F401
    app,
    client,
    config,
    holder,
    issuer,
    make_app,
    registry_file,
    web,
)
