"""The adversarial suite: its worlds and forging tools live in adversarial_helpers; the services' test helpers are shared."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for folder in (HERE, os.path.join(HERE, "..", "wallet"), os.path.join(HERE, "..", "verifier"), os.path.join(HERE, "..", "issuer")):
    path = os.path.normpath(folder)
    if path not in sys.path:
        sys.path.insert(0, path)
