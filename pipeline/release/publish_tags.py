"""Image reference checks and the semver tag fan-out for publish (pure logic)."""

import re
from typing import Final

import semver

from pipeline.core.errors import UsageError

# distribution/reference grammar, without tag or digest: [host[:port]/]path-component(/path-component)*
_COMPONENT: Final = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_LABEL: Final = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST: Final = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_ADDRESS: Final = re.compile(rf"^(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_SHA: Final = re.compile(r"^[0-9a-f]{7,40}$")
SHORT_SHA: Final = 7


def check_address(address: str, flag: str) -> str:
    """Return address (a repository without tag or digest) or raise UsageError naming flag and saying why not.

    flag: the step and input the address came in, e.g. "publish-chart --address" or "--cache-image".
    """
    last = address.rsplit("/", 1)[-1] if "/" in address else ""
    if "@" in address or ":" in last:
        msg = f"{flag}: {address!r} must not carry a tag or digest; the step writes its own tags"
        raise UsageError(msg)
    if not _ADDRESS.fullmatch(address) or len(address) > 255:  # noqa: PLR2004 (distribution's limit)
        msg = f"{flag}: {address!r} is not a valid image repository such as ghcr.io/acme/hello"
        raise UsageError(msg)
    return address


def parse_version(version: str) -> semver.Version:
    """Parse ``v1.2.3`` or ``1.2.3`` (with optional pre-release/build) or raise UsageError."""
    try:
        return semver.Version.parse(version.removeprefix("v"))
    except ValueError:
        msg = f"publish: version {version!r} is not semver (v1.2.3, v1.2.3-rc.1)"
        raise UsageError(msg) from None


def _docker_tag(text: str) -> str:
    # Tags allow [A-Za-z0-9_.-]; semver build metadata uses '+', written as '_'.
    return text.replace("+", "_")


def fan_out(version: str, *, latest: bool = False, commit: str = "") -> list[str]:
    """Return the tags for a release, most specific first.

    ``v1.2.3`` gives ``1.2.3``, ``1.2``, ``1``; a pre-release or build gives only its exact tag.
    ``latest`` is added only when asked; a commit adds its short sha.
    """
    v = parse_version(version)
    if v.prerelease or v.build:
        tags = [_docker_tag(str(v))]
    else:
        tags = [f"{v.major}.{v.minor}.{v.patch}", f"{v.major}.{v.minor}", f"{v.major}"]
    if latest:
        tags.append("latest")
    if commit:
        if not _SHA.fullmatch(commit):
            msg = f"publish: commit {commit!r} is not a git sha (7 to 40 hex digits)"
            raise UsageError(msg)
        tags.append(commit[:SHORT_SHA])
    return tags


def registry_host(address: str) -> str:
    """Return the registry host of an image repository (Docker Hub when the address names none)."""
    first, _, rest = address.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"
