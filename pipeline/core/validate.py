"""Checks of user input that need no engine: each raises UsageError naming the input (pure logic).

The module runs them before building anything; the CLI runs them (and the file-system ones it can do on the
host) before it opens an engine session, so a usage error costs nothing and exits 2.
"""

import enum
import posixpath
import re
from dataclasses import dataclass
from typing import Final

from .errors import UsageError

_DURATION: Final = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_LINK_VAR: Final = re.compile(r"^[\w./-]+\.\w+=.*$")
MAX_PORT: Final = 65535


def check_duration(text: str, what: str) -> str:
    """Return a Go duration (60s, 1m30s, 10m) or raise UsageError."""
    if not _DURATION.fullmatch(text.strip()):
        msg = f"{what}: {text!r} is not a Go duration such as 60s, 1m30s or 10m"
        raise UsageError(msg)
    return text.strip()


def check_coverage(percent: float) -> float:
    """Return a coverage minimum between 0 and 100 or raise UsageError."""
    if not 0.0 <= percent <= 100.0:  # noqa: PLR2004 (percent)
        msg = f"test --coverage-min: {percent} is not a percentage between 0 and 100"
        raise UsageError(msg)
    return percent


def check_port(port: int) -> int:
    """Return a TCP port number or raise UsageError."""
    if not 1 <= port <= MAX_PORT:
        msg = f"port: {port} is not a TCP port (1-{MAX_PORT})"
        raise UsageError(msg)
    return port


def check_link_vars(assignments: list[str]) -> tuple[str, ...]:
    """Return -X assignments (import/path.name=value) or raise UsageError naming the bad one."""
    for a in assignments:
        if not _LINK_VAR.fullmatch(a):
            msg = f"link-vars: {a!r} is not pkg.name=value (e.g. main.commit=abc123)"
            raise UsageError(msg)
    return tuple(assignments)


def package_dir(pattern: str) -> str | None:
    """Return the folder a local package pattern names (./cmd/api -> cmd/api, ./... -> .), None for import paths."""
    if not pattern.startswith(("./", "../")) and pattern != ".":
        return None
    clean = pattern.removesuffix("/...").removesuffix("...")
    return posixpath.normpath(clean or ".")


def check_package_syntax(patterns: list[str]) -> list[str]:
    """Reject empty lists and patterns that leave the source; return the patterns."""
    if not patterns:
        msg = "packages: give at least one package pattern, e.g. ./... or ./cmd/api"
        raise UsageError(msg)
    for p in patterns:
        folder = package_dir(p)
        if folder is not None and (folder == ".." or folder.startswith("../")):
            msg = f"packages: {p!r} points outside the source directory"
            raise UsageError(msg)
    return patterns


_HOST_NAME: Final = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_BUILD_TAG: Final = re.compile(r"^[A-Za-z0-9_.]+$")
_ENV_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SERVICE_ADDRESS: Final = re.compile(r"^(tcp|udp)://(?P<host>[^/:\s]+|\[[0-9a-fA-F:]+\]):(?P<port>\d+)$")


def check_service_names(names: list[str], services: int, reserved: str) -> list[str]:
    """Return host names for the services (one each, unique, DNS labels, not reserved) or raise UsageError."""
    if len(names) != services:
        msg = (
            f"service-names: {len(names)} name(s) for {services} service(s); give one host name per --services "
            "entry, in the same order (e.g. --services tcp://localhost:5432 --service-names db)"
        )
        raise UsageError(msg)
    seen: set[str] = set()
    for name in names:
        if not _HOST_NAME.fullmatch(name):
            msg = f"service-names: {name!r} is not a host name (lower-case letters, digits and -, up to 63)"
            raise UsageError(msg)
        if name == reserved or name in seen:
            why = "is the app's own host name" if name == reserved else "is given twice"
            msg = f"service-names: {name!r} {why}"
            raise UsageError(msg)
        seen.add(name)
    return names


def check_build_tag(tag: str) -> str:
    """Return a Go build tag (letters, digits, _ and .) or raise UsageError."""
    if not _BUILD_TAG.fullmatch(tag):
        msg = f"tag: {tag!r} is not a Go build tag (letters, digits, _ and ., e.g. integration)"
        raise UsageError(msg)
    return tag


def check_env(assignments: list[str], what: str) -> dict[str, str]:
    """Return NAME=value assignments as a dict or raise UsageError naming the bad one."""
    env: dict[str, str] = {}
    for a in assignments:
        name, sep, value = a.partition("=")
        if not sep or not _ENV_NAME.fullmatch(name):
            msg = f"{what}: {a!r} is not NAME=value (e.g. REDIS_ADDR=redis:6379)"
            raise UsageError(msg)
        env[name] = value
    return env


def check_service_address(address: str) -> str:
    """Return a host service address as Dagger takes it (tcp://host:port, udp://host:port) or raise UsageError."""
    m = _SERVICE_ADDRESS.fullmatch(address)
    if m is None or not 1 <= int(m.group("port")) <= MAX_PORT:
        msg = f"services: {address!r} is not tcp://HOST:PORT or udp://HOST:PORT (e.g. tcp://localhost:5432)"
        raise UsageError(msg)
    return address


class ArgKind(enum.Enum):
    """The kinds of argument a host can check before any engine session (the CLI has one validator per kind)."""

    SOURCE_DIR = "a Go module or workspace folder"
    PLATFORMS = "platforms"
    GO_VERSION = "a Go version"
    LINK_VARS = "linker variables"
    PORT = "a TCP port"
    DURATION = "a Go duration"
    COVERAGE = "a coverage percentage"
    BUILD_TAG = "a Go build tag"
    ENV = "NAME=value pairs"
    SERVICE_ADDRESSES = "host service addresses"
    BENCHTIME = "a -benchtime"
    SAMPLE_INDEX = "a pprof sample index"
    IMAGE_REF = "a published image reference"
    PINNED_IMAGE_REF = "a published image reference with its digest"
    VEX_FILES = "VEX documents"
    ADDRESS = "an image repository"
    RELEASE_VERSION = "a semver release"
    THRESHOLD = "a regression threshold"
    COUNT = "a benchmark run count"
    ALPHA = "a significance level"


@dataclass(frozen=True)
class Checked:
    """Annotated metadata: the kind of an argument, which the CLI checks on the host before any engine session."""

    kind: ArgKind
