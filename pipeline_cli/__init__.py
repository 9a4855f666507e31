"""The `pipeline` command: the module's functions in client mode, installed with the `cli` extra."""

import os

# The Dagger SDK wraps each of its ~1,300 API methods in a beartype type-check when it is imported: about a
# second of CPU on every `pipeline` call. Pyright (strict) already checks this project's calls and the CLI
# converts what users type itself, so those wrappers are skipped: beartype leaves functions as they are when
# PYTHONOPTIMIZE is set while they are decorated (read at that moment; Python's own -O is not turned on).
_optimize = os.environ.get("PYTHONOPTIMIZE")
os.environ["PYTHONOPTIMIZE"] = "1"
try:
    from .app import main
finally:
    if _optimize is None:
        del os.environ["PYTHONOPTIMIZE"]
    else:
        os.environ["PYTHONOPTIMIZE"] = _optimize

__all__ = ["main"]
