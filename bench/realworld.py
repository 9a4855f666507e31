"""Run `pipeline ci` on real open-source Go repositories (harness_pins.REAL_SERVICES); print a table, keep JSON.

Run with `make realworld` (after `make engine-up`). Each service is fetched from the Go module proxy at its pinned
version (tests/realservices.py) and gets the whole `ci` — fmt, vet, tidy, lint, test, build, scan — with this
machine's offline images: the local builder (Go 1.26) whatever the service's go line says, the local Trivy and its
DB. Nothing is configured per service: the figures are what a team gets on its first `dagger call ci`. A failing
step is the service's own verdict as much as the pipeline's; the table shows the step's first line of detail so a
reader can tell which. Results go to bench/results/realworld-<time>.json.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import harness_pins  # noqa: E402 (after the path setup above)
from tests.native import differences, native_as_user, outcomes  # noqa: E402
from tests.realservices import download, short_name  # noqa: E402

#: A cold `ci` of a 100-package service takes 10-15 min on two cores.
CI_TIMEOUT = int(os.environ.get("REALWORLD_TIMEOUT", "2700"))
#: Only the repositories whose module path contains one of these comma-separated texts (e.g. httpbin,uuid), those
#: left out by default too; empty: every one not left out.
ONLY = tuple(t for t in os.environ.get("REALWORLD_ONLY", "").split(",") if t)
#: A row of ci's table: step, status, seconds, detail.
STEP_ROW = re.compile(
    r"^(?P<step>[a-z-]+)\s+(?P<status>ok|FAIL|skipped|\S+)\s+(?P<seconds>\d+(?:\.\d+)?)s\s*(?P<detail>.*)$"
)


@dataclass
class Trial:
    """One service's ci: exit code, wall time, each step's status and seconds, the failures' first lines."""

    ref: str
    packages: int
    code: int = -1
    seconds: float = 0.0
    steps: dict[str, str] = field(default_factory=dict[str, str])
    detail: list[str] = field(default_factory=list[str])
    #: Tests whose outcome differs from native `go test -json` run the same way (tests/native.py).
    differs: list[str] = field(default_factory=list[str])
    #: How many tests both sides ran.
    tests: int = 0


def note(text: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def packages(root: Path) -> int:
    """Count the folders holding Go files (a package each, test-only folders included)."""
    return len({p.parent for p in root.rglob("*.go") if "testdata" not in p.parts})


def pipeline_argv(entry: dict[str, object], source: Path) -> list[str]:
    """Return the CLI with this machine's images and DB, and the repository's own preparation steps."""
    argv = [
        str(ROOT / ".venv" / "bin" / "pipeline"),
        f"--source={source}",
        f"--go-image={os.environ['PIPELINE_GO_IMAGE']}",
        f"--trivy-image={os.environ['PIPELINE_TRIVY_IMAGE']}",
        f"--trivy-db={os.environ['PIPELINE_TRIVY_DB']}",
    ]
    argv += [f"--before={command}" for command in cast("tuple[str, ...]", entry.get("before", ()))]
    if lint := entry.get("golangci_lint"):
        argv.append(f"--golangci-lint-version={lint}")
    if entry.get("before_image") == "debian":
        argv.append(f"--before-image={os.environ['PIPELINE_GO_IMAGE'].replace('/go-builder:', '/go-builder-debian:')}")
    return argv


def chosen(entry: dict[str, object]) -> bool:
    """Whether this run tries entry: named by REALWORLD_ONLY, or (with none) not left out by default."""
    if ONLY:
        return any(t in str(entry["ref"]) for t in ONLY)
    return "left_out" not in entry


def read_steps(output: str, trial: Trial) -> None:
    """Record each step's status and seconds from ci's table, and each failed step's first line, once per step.

    A failing ci prints its table, then the error that repeats it: the first row of each step counts.
    """
    for line in output.splitlines():
        if (m := STEP_ROW.match(line)) and m["step"] not in trial.steps:
            trial.steps[m["step"]] = f"{m['status']} {float(m['seconds']):.0f}s"
            if m["status"] != "ok":
                trial.detail.append(f"{m['step']}: {m['detail'].strip()}")


def run_ci(entry: dict[str, object], source: Path) -> Trial:
    """Run the CLI's ci on source; parse its table."""
    ref = str(entry["ref"])
    trial = Trial(ref=ref, packages=packages(source))
    argv = [*pipeline_argv(entry, source), "ci"]
    started = time.monotonic()
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=CI_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        trial.seconds = time.monotonic() - started
        trial.detail = [f"ci did not finish within {CI_TIMEOUT}s"]
        return trial
    trial.code, trial.seconds = res.returncode, time.monotonic() - started
    read_steps(res.stdout + res.stderr, trial)
    if res.returncode != 0 and not trial.detail:
        trial.detail = (res.stdout + res.stderr).strip().splitlines()[:3]
    return trial


def table(trials: list[Trial], skipped: Sequence[dict[str, object]] = ()) -> str:
    """Render the trials as a Markdown table (service, packages, verdict, wall time, each step), then the notes.

    The notes are each failure's first line, each test that differs from native Go, and why each repository in
    skipped was left out.
    """
    steps = list(dict.fromkeys(s for t in trials for s in t.steps))
    lines = [
        f"| repository | packages | ci | time | tests (same as native) | {' | '.join(steps)} |",
        f"|---|---:|---|---:|---|{'---|' * len(steps)}",
    ]
    for t in trials:
        verdict = "ok" if t.code == 0 else f"exit {t.code}"
        cells = " | ".join(t.steps.get(s, "") for s in steps)
        same = f"{t.tests - len(t.differs)} of {t.tests}" if t.tests else ""
        lines.append(f"| {t.ref} | {t.packages} | {verdict} | {t.seconds:.0f} s | {same} | {cells} |")
    notes = [f"- {short_name(t.ref)}: {d}" for t in trials for d in t.detail]
    notes += [f"- {short_name(t.ref)}: test differs from native Go: {d}" for t in trials for d in t.differs[:20]]
    notes += [f"- {short_name(str(e['ref']))}: not run: {e['left_out']}" for e in skipped]
    return "\n".join(lines + (["", *notes] if notes else []))


def compare_tests(entry: dict[str, object], source: Path, trial: Trial, tmp: Path) -> None:
    """Compare the pipeline's test outcomes (the run ci made, from the engine's cache) with native Go's."""
    out = tmp / f"{short_name(trial.ref)}-reports"
    argv = [*pipeline_argv(entry, source), "test", "--output", str(out)]
    subprocess.run(argv, capture_output=True, text=True, timeout=CI_TIMEOUT, check=False)
    events = out / "test.json"
    ours = outcomes(events.read_text()) if events.exists() else {}
    theirs = native_as_user(source, cast("tuple[str, ...]", entry.get("before", ())), timeout=CI_TIMEOUT)
    trial.tests = len(ours.keys() & theirs.keys())
    trial.differs = differences(ours, theirs)


def main() -> None:
    """Try every pinned repository in turn; a failed download or ci is recorded and the next one runs."""
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory() as tmp:
        for entry in filter(chosen, harness_pins.REAL_SERVICES):
            ref = str(entry["ref"])
            note(f"{ref}: download")
            try:
                source = download(ref, Path(tmp) / short_name(ref))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                trials.append(Trial(ref=ref, packages=0, detail=[str(e)]))
                continue
            if lint := entry.get("golangci_lint"):
                note(f"{ref}: golangci-lint {lint}, the version its CI pins, into the local registry")
                mirror = [sys.executable, str(ROOT / "scripts" / "base_images.py"), "lint", str(lint)]
                subprocess.run(mirror, check=True, timeout=CI_TIMEOUT)
            note(f"{ref}: ci")
            trials.append(trial := run_ci(entry, source))
            note(f"{ref}: exit {trial.code} in {trial.seconds:.0f}s {trial.steps}; comparing tests with native Go")
            compare_tests(entry, source, trial, Path(tmp))
            note(f"{ref}: {trial.tests} tests on both sides, {len(trial.differs)} differ")
    out = ROOT / "bench" / "results" / f"realworld-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(t) for t in trials], indent=1) + "\n")
    print(table(trials, [] if ONLY else [e for e in harness_pins.REAL_SERVICES if "left_out" in e]))
    note(f"results: {out}")


if __name__ == "__main__":
    main()
