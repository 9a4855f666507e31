"""pprof's command lines: the web UI and the static reports (pure logic).

Views of `go tool pprof -http` (it opens on the flame graph) and what they need: flame graph, top, source and
peek work from the profile alone; the graph view needs Graphviz's `dot` (without it that page says "Could not
execute dot; may need to install graphviz."); disassembly needs the binary the profile came from.
"""

import re
from dataclasses import dataclass
from typing import Final

from pipeline.core.errors import UsageError

#: Where the profile (and the binary, when given) are put in the container that runs pprof.
PROFILE_DIR: Final = "/pprof"
PROFILE: Final = f"{PROFILE_DIR}/profile"
BINARY: Final = f"{PROFILE_DIR}/binary"
#: The web UI's pages, by view.
VIEWS: Final = {
    "flamegraph": "/ui/flamegraph",
    "top": "/ui/top",
    "source": "/ui/source",
    "peek": "/ui/peek",
    "graph": "/ui/graph",
}
_SAMPLE_INDEX: Final = re.compile(r"^(?:[a-z][a-z_]*|\d+)$")
#: How many rows `-top` prints in the static report.
TOP_NODES: Final = 50


def check_sample_index(value: str) -> str:
    """Return a pprof sample index (alloc_space, inuse_objects, 0, ...) or raise UsageError."""
    if value and not _SAMPLE_INDEX.fullmatch(value):
        msg = f"--sample-index: {value!r} is not a sample type such as alloc_space, inuse_objects or samples"
        raise UsageError(msg)
    return value


@dataclass(frozen=True, kw_only=True)
class PprofArgs:
    """What pprof reads: the profile, whether the binary is there, which sample type, where sources are."""

    sample_index: str = ""
    binary: bool = False
    #: Folder that holds the profiled program's source (the builder's /src).
    source_path: str = ""
    #: Prefix pprof strips from file names before looking in source_path (a -trimpath build's module path).
    trim_path: str = ""

    def common(self) -> list[str]:
        """Return the options every pprof command here shares."""
        args: list[str] = []
        if self.sample_index:
            args.append(f"-sample_index={self.sample_index}")
        if self.source_path:
            args.append(f"-source_path={self.source_path}")
        if self.trim_path:
            args.append(f"-trim_path={self.trim_path}")
        return args

    def inputs(self) -> list[str]:
        """Return the binary (when given) and the profile, in pprof's order."""
        return [BINARY, PROFILE] if self.binary else [PROFILE]

    def http(self, port: int) -> list[str]:
        """Return the argv of pprof's web UI on every interface of its container."""
        return ["go", "tool", "pprof", f"-http=0.0.0.0:{port}", "-no_browser", *self.common(), *self.inputs()]

    def report(self, kind: str) -> list[str]:
        """Return the argv that prints one static report: top (text) or svg (the call graph, needs dot)."""
        flags = ["-top", f"-nodecount={TOP_NODES}"] if kind == "top" else [f"-{kind}"]
        return ["go", "tool", "pprof", *flags, *self.common(), *self.inputs()]
