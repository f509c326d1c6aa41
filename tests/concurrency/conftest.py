"""Fixtures of the concurrency tests (marked `concurrency`: `pytest -m concurrency`, or `-m "not concurrency"`)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from concurrency_helpers import database_url, postgres_database, servers  # noqa: E402,F401
