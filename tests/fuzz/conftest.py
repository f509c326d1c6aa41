"""Property-based API fuzzing of the three services with schemathesis.

The services' own helpers (fake issuers, fake webs) are imported from their
test folders; nothing here reaches beyond the process.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for folder in (HERE, os.path.join(HERE, "..", "wallet"), os.path.join(HERE, "..", "verifier"), os.path.join(HERE, "..", "issuer")):
    path = os.path.normpath(folder)
    if path not in sys.path:
        sys.path.insert(0, path)
