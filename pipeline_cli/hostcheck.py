"""Usage errors found on the host, before an engine session opens (exit 2, one line naming the input).

The module validates the same inputs itself; here they cost nothing: no session, no upload, no build.
"""

from pathlib import Path
from typing import Any

from pipeline.core.errors import UsageError
from pipeline.core.validate import (
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
from pipeline.perf.bench_compare_report import check_benchtime, check_compare_inputs
from pipeline.perf.pprof_args import check_sample_index
from pipeline.release.attest_provenance import parse_ref
from pipeline.release.ci_release_plan import ci_release_plan
from pipeline.release.publish_tags import check_address, fan_out
from pipeline.security.vex_documents import detect_format

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


def check_config(config: dict[str, Any]) -> None:
    """Validate the constructor's options that the host can check."""
    root = check_source(str(config.get("source") or "."))
    if config.get("platforms"):
        parse_platforms(list(config["platforms"]))
    if config.get("packages"):
        check_packages(root, list(config["packages"]))
    if config.get("go_version"):
        check_go_version(str(config["go_version"]))
    if config.get("link_vars"):
        check_link_vars(list(config["link_vars"]))
    if config.get("port") is not None:
        check_port(int(config["port"]))


def check_benchmarks(name: str, kwargs: dict[str, Any]) -> None:
    """Validate the arguments of bench, pprof, pprof-report and bench-compare."""
    if name == "bench_compare":
        check_compare_inputs(float(kwargs["threshold"]), int(kwargs["count"]), float(kwargs["alpha"]))
        if kwargs.get("base") is not None:
            try:
                check_source(str(kwargs["base"]))
            except UsageError as e:
                msg = f"bench-compare --base: {str(e).removeprefix('source: ')}"
                raise UsageError(msg) from None
    if kwargs.get("benchtime") is not None:
        check_benchtime(str(kwargs["benchtime"]), f"{name.replace('_', '-')} --benchtime")
    if kwargs.get("sample_index"):
        check_sample_index(str(kwargs["sample_index"]))
    if kwargs.get("ui_port") is not None:
        check_port(int(kwargs["ui_port"]))


def check_call(name: str, kwargs: dict[str, Any]) -> None:
    """Validate one function's arguments that the host can check."""
    if kwargs.get("address"):
        check_address(str(kwargs["address"]))
        fan_out(
            str(kwargs.get("version") or ""), latest=bool(kwargs.get("latest")), commit=str(kwargs.get("commit") or "")
        )
    elif name == "publish" and kwargs.get("version") is not None:
        fan_out(str(kwargs["version"]))
    if kwargs.get("coverage_min") is not None:
        check_coverage(float(kwargs["coverage_min"]))
    check_benchmarks(name, kwargs)
    if kwargs.get("timeout") is not None:
        check_duration(str(kwargs["timeout"]), f"{name} --timeout")
    check_integration(kwargs)


def check_supply(name: str, kwargs: dict[str, Any]) -> None:
    """Validate the supply-chain arguments: image references, VEX documents, what ci may release."""
    if kwargs.get("image"):
        ref = parse_ref(str(kwargs["image"]), name.replace("_", "-"))
        if name == "publish_chart" and not ref.digest:
            image = kwargs["image"]
            msg = f"publish-chart: --image {image!r} has no digest; give publish's output, repository:tag@sha256:…"
            raise UsageError(msg)
    for path in kwargs.get("vex") or ():
        try:
            text = Path(path).read_text()
        except OSError as e:
            msg = f"vex: cannot read {path}: {e.strerror}"
            raise UsageError(msg) from None
        detect_format(text, Path(path).name)
    if name == "ci":
        ci_release_plan(
            str(kwargs.get("address") or ""),
            kwargs.get("key") is not None,
            kwargs.get("chart_dir") is not None,
            str(kwargs.get("chart_address") or ""),
        )


def check_integration(kwargs: dict[str, Any]) -> None:
    """Validate integration-test's (and ci's) services, their names, the build tag and the environment."""
    services = [str(s) for s in kwargs.get("services") or ()]
    for address in services:
        check_service_address(address)
    if services or kwargs.get("service_names"):
        check_service_names([str(n) for n in kwargs.get("service_names") or ()], len(services), APP_HOST)
    for key in ("tag", "integration_tag"):
        if kwargs.get(key) is not None:
            check_build_tag(str(kwargs[key]))
    for key in ("env", "integration_env"):
        if kwargs.get(key):
            check_env([str(e) for e in kwargs[key]], key.replace("_", "-"))
