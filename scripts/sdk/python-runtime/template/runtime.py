#!/usr/bin/env python
"""Entry point of a Python module's runtime container: serve or register the module's functions."""

import sys

from dagger.mod.cli import app

if __name__ == "__main__":
    sys.exit(app(None, "--register" in sys.argv[1:]))
