"""Read what the pipeline needs from go.mod and go.work: module, Go version, workspace, tools (pure logic)."""

import re
from dataclasses import dataclass, field
from typing import Final

from pipeline import pins
from pipeline.core.errors import PipelineError, UsageError

_MODULE: Final = re.compile(r"^module\s+(\"?)(?P<path>[^\s\"]+)\1\s*(?://.*)?$", re.MULTILINE)
_GO: Final = re.compile(r"^go\s+(?P<version>\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)\s*(?://.*)?$", re.MULTILINE)
_TOOLCHAIN: Final = re.compile(r"^toolchain\s+go(?P<version>\d+\.\d+(?:\.\d+)?\S*)\s*(?://.*)?$", re.MULTILINE)
_USE_ONE: Final = re.compile(r"^use\s+(?P<dir>[^\s(]\S*)\s*(?://.*)?$", re.MULTILINE)
_USE_BLOCK: Final = re.compile(r"^use\s*\((?P<body>.*?)^\)", re.MULTILINE | re.DOTALL)
_VERSION: Final = re.compile(r"^\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?$")

GO_MOD: Final = "go.mod"
GO_WORK: Final = "go.work"


@dataclass(frozen=True)
class GoMod:
    """The parts of go.mod (or go.work) the pipeline uses."""

    module: str
    go: str
    toolchain: str | None = None
    #: Workspace modules (go.work `use` lines); empty for a single module.
    uses: tuple[str, ...] = field(default=())
    #: Packages of go.mod `tool` directives (Go 1.24+), e.g. github.com/golangci/golangci-lint/v2/cmd/golangci-lint.
    tools: tuple[str, ...] = field(default=())
    #: Required module versions (go.mod `require` lines), by module path.
    requires: tuple[tuple[str, str], ...] = field(default=())

    def tool_version(self, packages: tuple[str, ...]) -> str | None:
        """Return the version go.mod pins for the first of packages it declares as a tool, or None."""
        for package in packages:
            if package not in self.tools:
                continue
            owners = [(m, v) for m, v in self.requires if package == m or package.startswith(m + "/")]
            if owners:
                return max(owners, key=lambda mv: len(mv[0]))[1]
        return None

    @property
    def go_version(self) -> str:
        """The Go version to build with: the toolchain line when present, else the go line."""
        return self.toolchain or self.go

    @property
    def name(self) -> str:
        """The module's last path element without a major-version suffix, as `go build` names binaries."""
        parts = self.module.rstrip("/").split("/")
        if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
            return parts[-2]
        return parts[-1]


def _version_lines(text: str) -> tuple[str, str | None]:
    """Return the go and toolchain lines' versions; no go line (as in many older modules): this release's Go."""
    go = _GO.search(text)
    toolchain = _TOOLCHAIN.search(text)
    return go.group("version") if go else pins.DEFAULT_GO_VERSION, toolchain.group("version") if toolchain else None


def _directive(text: str, keyword: str) -> list[list[str]]:
    """Return the fields of every `keyword` line of go.mod, single or in a ( … ) block, comments dropped."""
    entries: list[list[str]] = []
    block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if block:
            if line == ")":
                block = False
            elif line:
                entries.append(line.split())
            continue
        fields = line.split()
        if not fields or fields[0] != keyword:
            continue
        if fields[1:] == ["("]:
            block = True
        elif len(fields) > 1:
            entries.append(fields[1:])
    return entries


def parse_go_mod(text: str) -> GoMod:
    """Parse go.mod text; raise PipelineError when the module line is missing."""
    module = _MODULE.search(text)
    if module is None:
        raise PipelineError("source", "go.mod has no module line")
    go, toolchain = _version_lines(text)
    tools = tuple(e[0].strip('"') for e in _directive(text, "tool"))
    requires = tuple((e[0].strip('"'), e[1]) for e in _directive(text, "require") if len(e) > 1)
    return GoMod(module=module.group("path"), go=go, toolchain=toolchain, tools=tools, requires=requires)


def parse_go_work(text: str) -> GoMod:
    """Parse go.work text: the Go version and the workspace's module folders (module: the first of them)."""
    go, toolchain = _version_lines(text)
    uses = [m.group("dir") for m in _USE_ONE.finditer(text)]
    for block in _USE_BLOCK.finditer(text):
        for line in block.group("body").splitlines():
            entry = line.split("//", 1)[0].strip().strip('"')
            if entry:
                uses.append(entry)
    if not uses:
        raise PipelineError("source", "go.work has no use line naming a module folder")
    cleaned = tuple(u.removeprefix("./") or "." for u in uses)
    return GoMod(module=cleaned[0], go=go, toolchain=toolchain, uses=cleaned)


def check_go_version(version: str) -> str:
    """Return version when it looks like a Go release (1.26, 1.26.8, 1.27rc1), else raise UsageError."""
    v = version.removeprefix("go")
    if not _VERSION.fullmatch(v):
        msg = f"go-version: {version!r} is not a Go version such as 1.26 or 1.26.8"
        raise UsageError(msg)
    return v
