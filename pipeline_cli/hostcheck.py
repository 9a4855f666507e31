"""Usage errors found on the host, before an engine session opens (exit 2, one line naming the input).

Which arguments to check comes from the module's own signatures: each argument type carries its kind
(`Checked(ArgKind.…)` in its annotation) and here is one validator per kind, fed what the user typed (a path for a
Directory or File). A few rules tie two arguments together (a publish address and its version; services and their
names; what ci may release; the packages of a source): each applies wherever a function takes both. The module runs
the same checks itself; here they cost nothing: no session, no upload, no build.
"""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from pipeline.core.errors import UsageError
from pipeline.core.validate import (
    ArgKind,
    check_build_tag,
    check_coverage,
    check_duration,
    check_env,
    check_link_vars,
    check_package_syntax,
    check_port,
    check_service_address,
    check_service_names,
    package_dir,
)
from pipeline.go.builder_modfiles import GO_MOD, GO_WORK, check_go_version
from pipeline.go.platforms import parse_platforms
from pipeline.perf.bench_compare_report import check_alpha, check_benchtime, check_count, check_threshold
from pipeline.perf.pprof_args import check_sample_index
from pipeline.release.attest_provenance import parse_ref
from pipeline.release.ci_release_plan import ci_release_plan
from pipeline.release.publish_tags import check_address, fan_out, parse_version
from pipeline.security.vex_documents import detect_format

from .introspect import Fn

#: The app's host name among integration-test services (pipeline.integration.APP_HOST, which imports dagger).
APP_HOST = "app"


def check_source(path: str) -> Path:
    """Return the source folder, or raise UsageError naming it when it holds no readable go.mod or go.work."""
    root = Path(path)
    if not root.is_dir():
        msg = f"source: {path} is not a folder"
        raise UsageError(msg)
    for name in (GO_WORK, GO_MOD):
        candidate = root / name
        if candidate.is_file():
            try:
                candidate.read_bytes()
            except OSError as e:
                msg = f"source: cannot read {candidate}: {e.strerror}"
                raise UsageError(msg) from None
            return root
    nested = sorted(p.parent.name for p in root.glob(f"*/{GO_MOD}"))
    hint = f"; Go modules in sub-folders: {', '.join(nested)} (pass --source {root / nested[0]})" if nested else ""
    msg = f"source: no {GO_MOD} or {GO_WORK} in {root}{hint}"
    raise UsageError(msg)


def check_packages(root: Path, patterns: list[str]) -> None:
    """Raise UsageError naming a package pattern whose folder holds no Go file."""
    for pattern in check_package_syntax(patterns):
        folder = package_dir(pattern)
        if folder is None or folder == ".":
            continue
        glob = "**/*.go" if pattern.endswith("...") else "*.go"
        if not any((root / folder).glob(glob)):
            msg = f"packages: {pattern!r} names no Go package in {root} (no {folder}/{glob})"
            raise UsageError(msg)


def _source_dir(value: Any, flag: str) -> None:  # noqa: ANN401 (what the user typed)
    try:
        check_source(str(value))
    except UsageError as e:
        if flag == "--source":
            raise
        msg = f"{flag}: {e.cause}"
        raise UsageError(msg) from None


def _pinned_image(value: Any, flag: str) -> None:  # noqa: ANN401 (what the user typed)
    if not parse_ref(str(value), flag).digest:
        msg = f"{flag}: {str(value)!r} has no digest; give publish's output, repository:tag@sha256:…"
        raise UsageError(msg)


def _vex_files(value: Any, flag: str) -> None:  # noqa: ANN401 (what the user typed)
    for path in value:
        try:
            text = Path(path).read_text()
        except OSError as e:
            msg = f"{flag}: cannot read {path}: {e.strerror}"
            raise UsageError(msg) from None
        detect_format(text, Path(path).name)


#: One validator per kind of argument: (value as typed, how the error names it, e.g. "test --timeout").
VALIDATORS: Final[Mapping[ArgKind, Callable[[Any, str], object]]] = {
    ArgKind.SOURCE_DIR: _source_dir,
    ArgKind.PLATFORMS: lambda v, _: parse_platforms(list(v)),
    ArgKind.GO_VERSION: lambda v, _: check_go_version(str(v)),
    ArgKind.LINK_VARS: lambda v, _: check_link_vars(list(v)),
    ArgKind.PORT: lambda v, _: check_port(int(v)),
    ArgKind.DURATION: lambda v, flag: check_duration(str(v), flag),
    ArgKind.COVERAGE: lambda v, _: check_coverage(float(v)),
    ArgKind.BUILD_TAG: lambda v, _: check_build_tag(str(v)),
    ArgKind.ENV: lambda v, flag: check_env([str(e) for e in v], flag.rsplit("--", 1)[-1]),
    ArgKind.SERVICE_ADDRESSES: lambda v, _: [check_service_address(str(s)) for s in v],
    ArgKind.BENCHTIME: lambda v, flag: check_benchtime(str(v), flag),
    ArgKind.SAMPLE_INDEX: lambda v, _: check_sample_index(str(v)),
    ArgKind.IMAGE_REF: lambda v, flag: parse_ref(str(v), flag.split(" ", 1)[0]),
    ArgKind.PINNED_IMAGE_REF: _pinned_image,
    ArgKind.VEX_FILES: _vex_files,
    ArgKind.ADDRESS: lambda v, flag: check_address(str(v), flag),
    ArgKind.RELEASE_VERSION: lambda v, _: parse_version(str(v)),
    ArgKind.THRESHOLD: lambda v, _: check_threshold(float(v)),
    ArgKind.COUNT: lambda v, _: check_count(int(v)),
    ArgKind.ALPHA: lambda v, _: check_alpha(float(v)),
}


def _given(value: Any) -> bool:  # noqa: ANN401 (what the user typed)
    return value is not None and value not in ((), [], "")


def check(fn: Fn, values: Mapping[str, Any]) -> None:
    """Check every argument of fn the user gave, by its kind, then the rules that tie two arguments together."""
    name = fn.name.replace("_", "-")
    for arg in fn.args:
        value = values.get(arg.python_name)
        if not _given(value):
            continue
        flag = f"--{arg.name.replace('_', '-')}" if not name else f"{name} --{arg.name.replace('_', '-')}"
        for kind in arg.kinds:
            VALIDATORS[kind](value, flag)
    taken = {a.python_name for a in fn.args}
    _check_together(taken, values)


def _check_together(taken: set[str], values: Mapping[str, Any]) -> None:
    """Apply the rules that tie arguments together, wherever a function takes both."""
    if {"address", "key", "chart_dir"} <= taken:
        ci_release_plan(
            str(values.get("address") or ""),
            values.get("key") is not None,
            values.get("chart_dir") is not None,
            str(values.get("chart_address") or ""),
        )
    if {"address", "version"} <= taken and values.get("address"):
        fan_out(
            str(values.get("version") or ""), latest=bool(values.get("latest")), commit=str(values.get("commit") or "")
        )
    if {"services", "service_names"} <= taken:
        services = list(values.get("services") or ())
        if services or values.get("service_names"):
            check_service_names([str(n) for n in values.get("service_names") or ()], len(services), APP_HOST)
    if {"source", "packages"} <= taken and values.get("packages"):
        check_packages(check_source(str(values.get("source") or ".")), list(values["packages"]))
