"""Read what the pipeline needs from a go.mod file: module path and Go version (pure logic)."""

import re
from dataclasses import dataclass
from typing import Final

from .errors import PipelineError

_MODULE: Final = re.compile(r"^module\s+(\"?)(?P<path>[^\s\"]+)\1\s*(?://.*)?$", re.MULTILINE)
_GO: Final = re.compile(r"^go\s+(?P<version>\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\s*(?://.*)?$", re.MULTILINE)
_TOOLCHAIN: Final = re.compile(r"^toolchain\s+go(?P<version>\d+\.\d+(?:\.\d+)?\S*)\s*(?://.*)?$", re.MULTILINE)
_VERSION: Final = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?$")


@dataclass(frozen=True)
class GoMod:
    """The parts of go.mod the pipeline uses."""

    module: str
    go: str
    toolchain: str | None = None

    @property
    def go_version(self) -> str:
        """The Go version to build with: the toolchain line when present, else the go line."""
        return self.toolchain or self.go

    @property
    def name(self) -> str:
        """The module's last path element, used as the default binary name."""
        last = self.module.rstrip("/").rsplit("/", 1)[-1]
        # A major-version suffix (example.com/hello/v2) is not a name.
        if re.fullmatch(r"v\d+", last) and "/" in self.module:
            return self.module.rstrip("/").rsplit("/", 2)[-2]
        return last


def parse_go_mod(text: str) -> GoMod:
    """Parse go.mod text; raise PipelineError when the module or go line is missing."""
    module = _MODULE.search(text)
    if module is None:
        raise PipelineError("go-version", "go.mod has no module line")
    go = _GO.search(text)
    if go is None:
        raise PipelineError("go-version", "go.mod has no go line (e.g. `go 1.26`)")
    toolchain = _TOOLCHAIN.search(text)
    return GoMod(
        module=module.group("path"),
        go=go.group("version"),
        toolchain=toolchain.group("version") if toolchain else None,
    )


def check_go_version(version: str) -> str:
    """Return version when it looks like a Go release (1.26, 1.26.8, 1.27rc1), else raise ValueError."""
    v = version.removeprefix("go")
    if not _VERSION.fullmatch(v):
        msg = f"go-version: {version!r} is not a Go version such as 1.26 or 1.26.8"
        raise ValueError(msg)
    return v
