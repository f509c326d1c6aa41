"""The end-to-end tests share their servers through e2e_helpers (on the path from here)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
