"""Build, test, scan and ship Go services: static multi-platform binaries, minimal non-root images, Trivy gate."""

from .main import Pipeline

__all__ = ["Pipeline"]
