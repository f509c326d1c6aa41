"""Fixtures of the issuer tests; they live in issuer_helpers with the helpers."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from issuer_helpers import *  # noqa: E402,F401,F403
from issuer_helpers import (  # noqa: E402,F401
    app,
    client,
    config,
    database_url,
    make_app,
    other,
    postgres_admin_url,
    provider,
)
