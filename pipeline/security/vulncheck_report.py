"""govulncheck's JSON stream as reachability verdicts per advisory: called (with call paths), imported, required.

govulncheck writes a stream of JSON messages (config, SBOM, osv, finding). A finding's trace runs from the
vulnerable symbol (first frame) to the entry point in the scanned module (last frame); a trace whose first frame
has no function means the package is imported but no vulnerable symbol is reachable, and one without a package
means the module is only required. Pure logic: no dagger.
"""

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Final, cast

from pipeline.core.jsonstream import objects

#: How many call paths a message shows per advisory (govulncheck reports one per vulnerable symbol and caller).
MAX_PATHS: Final = 3


class Level(enum.IntEnum):
    """How close the scanned code gets to an advisory's vulnerable code."""

    REQUIRED = 1  # the module is in the build, no vulnerable package is imported
    IMPORTED = 2  # a vulnerable package is imported, no vulnerable symbol is reachable
    CALLED = 3  # a vulnerable symbol is reachable from the code


@dataclass(frozen=True)
class Frame:
    """One frame of a govulncheck trace."""

    module: str
    package: str = ""
    function: str = ""
    receiver: str = ""
    position: str = ""  # file:line:col, relative to its module

    def member(self) -> str:
        """Return the function, with its receiver for a method: ParseAcceptLanguage, (*Server).Serve."""
        if not self.receiver:
            return self.function
        recv = f"({self.receiver})" if self.receiver.startswith("*") else self.receiver
        return f"{recv}.{self.function}"

    def symbol(self) -> str:
        """Return the symbol as Go writes it, package by its last element: language.ParseAcceptLanguage."""
        return f"{self.package.rsplit('/', 1)[-1]}.{self.member()}"


@dataclass(frozen=True)
class CallPath:
    """A reachable vulnerable symbol and the calls that reach it, entry point first."""

    symbol: str  # full import path: golang.org/x/text/language.ParseAcceptLanguage
    frames: tuple[Frame, ...]  # entry point first, vulnerable symbol last

    def render(self) -> str:
        """One line: each call with the position of the call in the scanned module."""
        last = len(self.frames) - 1
        return " -> ".join(
            f.symbol() + (f" ({f.position})" if f.position and i < last else "") for i, f in enumerate(self.frames)
        )


@dataclass
class Advisory:
    """What govulncheck found for one advisory."""

    id: str  # GO-2022-1059
    aliases: tuple[str, ...] = ()  # CVE-2022-32149, GHSA-…
    summary: str = ""
    module: str = ""
    version: str = ""
    fixed: str = ""
    level: Level = Level.REQUIRED
    paths: list[CallPath] = field(default_factory=list[CallPath])

    def names(self) -> set[str]:
        """Every id this advisory goes by."""
        return {self.id, *self.aliases}

    def line(self) -> str:
        """One line for a report: ids, module, verdict."""
        ids = ", ".join([*(a for a in self.aliases if a.startswith("CVE-")), self.id])
        where = f"{self.module}@{self.version}" if self.version else self.module
        if self.level is Level.CALLED:
            called = sorted({p.symbol for p in self.paths})
            return f"{ids} {where}: called ({', '.join(called)})"
        if self.level is Level.IMPORTED:
            return f"{ids} {where}: imported, no vulnerable symbol is reachable"
        return f"{ids} {where}: required, no vulnerable package is imported"

    def call_paths(self) -> list[str]:
        """Return the call paths that reach the vulnerable code, at most MAX_PATHS, one line each."""
        lines = [f"  {p.render()}" for p in self.paths[:MAX_PATHS]]
        if len(self.paths) > MAX_PATHS:
            lines.append(f"  (and {len(self.paths) - MAX_PATHS} more call paths)")
        return lines


def _frame(raw: dict[str, Any]) -> Frame:
    pos = cast("dict[str, Any] | None", raw.get("position"))
    where = f"{pos.get('filename', '')}:{pos.get('line', 0)}:{pos.get('column', 0)}" if pos and pos.get("line") else ""
    return Frame(
        module=str(raw.get("module", "")),
        package=str(raw.get("package", "")),
        function=str(raw.get("function", "")),
        receiver=str(raw.get("receiver", "")),
        position=where,
    )


def parse(stream: str) -> dict[str, Advisory]:
    """Return every advisory govulncheck reported a finding for, by OSV id, at its most precise level."""
    osvs: dict[str, dict[str, Any]] = {}
    found: dict[str, Advisory] = {}
    roots: set[str] = set()
    for msg in objects(stream, "govulncheck"):
        if "SBOM" in msg:
            roots |= {str(r) for r in cast("list[object]", cast("dict[str, Any]", msg["SBOM"]).get("roots") or [])}
        if "osv" in msg:
            entry = cast("dict[str, Any]", msg["osv"])
            osvs[str(entry.get("id", ""))] = entry
        finding = cast("dict[str, Any] | None", msg.get("finding"))
        if not finding or not finding.get("trace"):
            continue
        frames = [_frame(f) for f in cast("list[dict[str, Any]]", finding["trace"])]
        top = frames[0]
        level = Level.CALLED if top.function else Level.IMPORTED if top.package else Level.REQUIRED
        adv = found.setdefault(str(finding.get("osv", "")), Advisory(id=str(finding.get("osv", ""))))
        adv.module, adv.fixed = top.module, str(finding.get("fixed_version", ""))
        adv.version = str(cast("dict[str, Any]", finding["trace"][0]).get("version", ""))
        adv.level = max(adv.level, level)
        if level is Level.CALLED:
            # Positions name the scanned code's own calls; those inside dependencies add nothing to act on.
            shown = [f if f.module in roots else dataclasses.replace(f, position="") for f in reversed(frames)]
            adv.paths.append(CallPath(symbol=f"{top.package}.{top.member()}", frames=tuple(shown)))
    for adv in found.values():
        entry = osvs.get(adv.id, {})
        adv.aliases = tuple(str(a) for a in cast("list[object]", entry.get("aliases") or []))
        adv.summary = str(entry.get("summary") or entry.get("details") or "")
    return found


def called(advisories: dict[str, Advisory]) -> list[Advisory]:
    """Return the advisories whose vulnerable code is reachable, by id."""
    return sorted((a for a in advisories.values() if a.level is Level.CALLED), key=lambda a: a.id)


def by_name(advisories: dict[str, Advisory]) -> dict[str, Advisory]:
    """Index advisories by every name they go by (GO id, CVE, GHSA), to join them with a scanner's findings."""
    return {name: adv for adv in advisories.values() for name in adv.names()}
