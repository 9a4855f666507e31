"""Platform strings to Go's GOOS/GOARCH and output folder names (pure logic)."""

import re
from dataclasses import dataclass
from typing import Final

from pipeline.core.errors import UsageError

#: GOOS/GOARCH pairs the pipeline builds for (static, CGO_ENABLED=0, native cross-compilation).
SUPPORTED: Final = frozenset(
    {
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("linux", "arm"),
        ("linux", "386"),
        ("linux", "ppc64le"),
        ("linux", "s390x"),
        ("linux", "riscv64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
        ("windows", "amd64"),
        ("windows", "arm64"),
    },
)
_SYNTAX: Final = re.compile(r"^(?P<os>[a-z0-9]+)/(?P<arch>[a-z0-9]+)(?:/(?P<variant>v[0-9]+))?$")


@dataclass(frozen=True, order=True)
class Platform:
    """One OCI platform, e.g. linux/arm64 or linux/arm/v7."""

    os: str
    arch: str
    variant: str | None = None

    def __str__(self) -> str:
        """Return the OCI form, e.g. ``linux/arm/v7``."""
        return "/".join(p for p in (self.os, self.arch, self.variant) if p)

    @property
    def dirname(self) -> str:
        """Output folder name, e.g. ``linux_amd64`` or ``linux_arm_v7``."""
        return str(self).replace("/", "_")

    @property
    def goenv(self) -> dict[str, str]:
        """Environment for ``go build``: GOOS, GOARCH and GOARM/GOAMD64 where the variant says."""
        env = {"GOOS": self.os, "GOARCH": self.arch}
        if self.variant and self.arch == "arm":
            env["GOARM"] = self.variant.removeprefix("v")
        elif self.variant and self.arch == "amd64":
            env["GOAMD64"] = self.variant
        return env

    @property
    def exe(self) -> str:
        """Executable suffix on this platform."""
        return ".exe" if self.os == "windows" else ""


def parse_platform(text: str) -> Platform:
    """Parse ``os/arch[/variant]``; raise UsageError naming the bad value and the supported ones."""
    m = _SYNTAX.fullmatch(text.strip())
    if m is None or (m.group("os"), m.group("arch")) not in SUPPORTED:
        known = ", ".join(sorted(f"{o}/{a}" for o, a in SUPPORTED))
        msg = f"platforms: {text!r} is not a supported platform ({known})"
        raise UsageError(msg)
    return Platform(m.group("os"), m.group("arch"), m.group("variant"))


def parse_platforms(texts: list[str]) -> list[Platform]:
    """Parse a list of platforms; reject an empty list and duplicates."""
    if not texts:
        msg = "platforms: give at least one platform, e.g. linux/amd64"
        raise UsageError(msg)
    parsed = [parse_platform(t) for t in texts]
    if len(set(parsed)) != len(parsed):
        msg = f"platforms: duplicate entries in {texts}"
        raise UsageError(msg)
    return parsed
