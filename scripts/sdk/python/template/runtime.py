#!/usr/bin/env python
"""Entry point of a Python module's runtime container: serve or register the module's functions."""

import os
import sys

# The SDK wraps each of its ~1,300 API methods in a beartype check when it is imported (1-2 s of CPU on every
# function call that is not answered from the engine's cache). The engine already types every value a function
# receives, so those wrappers are skipped, as the pipeline CLI skips them: beartype leaves functions as they are
# when PYTHONOPTIMIZE is set while they are decorated. It is restored for the module's own code.
_optimize = os.environ.get("PYTHONOPTIMIZE")
os.environ["PYTHONOPTIMIZE"] = "1"
try:
    from dagger.mod.cli import app
finally:
    if _optimize is None:
        del os.environ["PYTHONOPTIMIZE"]
    else:
        os.environ["PYTHONOPTIMIZE"] = _optimize

if __name__ == "__main__":
    sys.exit(app(None, "--register" in sys.argv[1:]))
