"""Usage errors the CLI finds on the host before any engine session."""

from pathlib import Path

import pytest

from pipeline import Pipeline
from pipeline.core.validate import ArgKind
from pipeline_cli import hostcheck
from pipeline_cli.introspect import functions
from tests.conftest import FIXTURES, ROOT


def check_call(name: str, kwargs: dict[str, object]) -> None:
    """Check one function's arguments as the CLI does, from the function's own signature."""
    hostcheck.check(functions(Pipeline)[name], kwargs)


def check_config(config: dict[str, object]) -> None:
    """Check the constructor's options as the CLI does."""
    hostcheck.check(functions(Pipeline)[""], config)


def test_a_module_or_workspace_is_a_source() -> None:
    assert hostcheck.check_source(str(ROOT / "app")) == ROOT / "app"
    assert hostcheck.check_source(str(FIXTURES / "workspace")) == FIXTURES / "workspace"


def test_an_empty_folder_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=rf"^source: no go.mod or go.work in {tmp_path}$"):
        hostcheck.check_source(str(tmp_path))


def test_the_repository_root_points_at_its_module() -> None:
    with pytest.raises(ValueError, match=r"Go modules in sub-folders: app \(pass --source .*/app\)"):
        hostcheck.check_source(str(ROOT))


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a folder"):
        hostcheck.check_source(str(tmp_path / "nope"))


def test_unknown_main_package_is_named() -> None:
    root = FIXTURES / "cmd-layout"
    hostcheck.check_packages(root, ["./cmd/api", "./cmd/...", "./..."])
    with pytest.raises(ValueError, match=r"^packages: './cmd/nope' names no Go package"):
        hostcheck.check_packages(root, ["./cmd/nope"])


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("publish", {"address": "x/y", "version": "1.2"}, "not semver"),
        ("publish", {"address": "Bad Address", "version": "v1.0.0"}, "not a valid image repository"),
        ("test", {"coverage_min": 120.0}, "coverage-min"),
        ("test", {"timeout": "forever"}, "not a Go duration"),
        ("ci", {"address": "x/y", "version": "latest"}, "not semver"),
        ("bench_compare", {"threshold": 10.0, "count": 2, "alpha": 0.05}, "--count: 2 runs"),
        ("bench_compare", {"threshold": 0.0, "count": 10, "alpha": 0.05}, "--threshold"),
        ("bench_compare", {"threshold": 10.0, "count": 10, "alpha": 0.05, "base": "/nonexistent"}, "--base: /nonex"),
        ("bench_compare", {"threshold": 10.0, "count": 10, "alpha": 0.05, "benchtime": "1"}, "compare --benchtime"),
        ("pprof", {"sample_index": "alloc space"}, "--sample-index"),
        ("pprof", {"ui_port": 70000}, "not a TCP port"),
        ("integration_test", {"services": ("localhost:5432",)}, r"not tcp://HOST:PORT"),
        ("integration_test", {"services": ("tcp://localhost:99999",)}, r"not tcp://HOST:PORT"),
        ("integration_test", {"services": ("tcp://localhost:5432",)}, r"0 name\(s\) for 1 service\(s\)"),
        ("integration_test", {"service_names": ("db",)}, r"1 name\(s\) for 0 service\(s\)"),
        ("integration_test", {"services": ("tcp://h:1",), "service_names": ("app",)}, "the app's own host name"),
        ("integration_test", {"tag": "a b"}, "not a Go build tag"),
        ("integration_test", {"env": ("=x",)}, r"^env: '=x' is not NAME=value"),
        ("ci", {"integration_tag": "-x"}, "not a Go build tag"),
        ("ci", {"integration_env": ("X",)}, r"^integration-env: 'X' is not NAME=value"),
    ],
)
def test_call_arguments(name: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_call(name, kwargs)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("sign", {"image": "127.0.0.1:5001/acme/hello"}, "names no tag or digest"),
        ("verify", {"image": "ghcr.io/acme/hello@sha256:abc"}, "is not a sha256 digest"),
        ("publish_chart", {"image": "ghcr.io/acme/hello:1.2.3"}, r"^publish-chart --image: .* has no digest"),
        ("ci", {"key": "env:COSIGN_KEY"}, "give --address too"),
        ("ci", {"address": "ghcr.io/acme/hello", "chart_dir": "deploy/helm/hello"}, "needs --key"),
    ],
)
def test_supply_arguments(name: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_call(name, kwargs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"bomFormat": "CycloneDX"}', "CycloneDX VEX"),
        ('{"statements": []}', "not a VEX format the scan understands"),
        ("{", "is not JSON"),
    ],
)
def test_unknown_vex_documents_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        check_call("scan", {"vex": (str(tmp_path / "x.json"),)})
    (tmp_path / "ok.json").write_text('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": []}')
    check_call("scan", {"vex": (str(tmp_path / "ok.json"),)})


def test_platforms_are_checked_with_the_config() -> None:
    with pytest.raises(ValueError, match="linux/sparc"):
        check_config({"source": str(ROOT / "app"), "platforms": ("linux/sparc",)})


def test_integration_arguments_that_fit() -> None:
    check_call(
        "integration_test",
        {
            "services": ("tcp://localhost:5432", "udp://10.0.0.1:53"),
            "service_names": ("db", "dns"),
            "tag": "e2e",
            "env": ("DATABASE_URL=postgres://db:5432/app?sslmode=disable",),
        },
    )


def test_every_kind_has_one_validator_and_every_kind_is_used() -> None:
    """The checks come from the signatures: each kind of argument is validated one way, and none is dead."""
    assert set(hostcheck.VALIDATORS) == set(ArgKind)
    used = {k for fn in functions(Pipeline).values() for a in fn.args for k in a.kinds}
    assert used == set(ArgKind)


def test_packages_are_checked_against_the_source_they_belong_to() -> None:
    check_config({"source": str(FIXTURES / "cmd-layout"), "packages": ("./cmd/api",)})
    with pytest.raises(ValueError, match=r"^packages: './cmd/nope' names no Go package"):
        check_config({"source": str(FIXTURES / "cmd-layout"), "packages": ("./cmd/nope",)})
