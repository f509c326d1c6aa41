"""Fixtures of the wallet tests; they live in wallet_helpers with the helpers."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wallet_helpers import *  # noqa: E402,F401,F403
from wallet_helpers import (  # noqa: E402,F401
    alice,
    app,
    bob,
    client,
    config,
    database_url,
    fetcher,
    issuer,
    make_app,
    registry_file,
    stranger,
)
