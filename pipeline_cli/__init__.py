"""The `pipeline` command: the module's functions in client mode, installed with the `cli` extra."""

from .app import main

__all__ = ["main"]
