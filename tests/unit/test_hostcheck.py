"""Usage errors the CLI finds on the host before any engine session."""

from pathlib import Path

import pytest

from pipeline_cli import hostcheck
from tests.conftest import FIXTURES, ROOT


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
        hostcheck.check_call(name, kwargs)


def test_platforms_are_checked_with_the_config() -> None:
    with pytest.raises(ValueError, match="linux/sparc"):
        hostcheck.check_config({"source": str(ROOT / "app"), "platforms": ("linux/sparc",)})


def test_integration_arguments_that_fit() -> None:
    hostcheck.check_call(
        "integration_test",
        {
            "services": ("tcp://localhost:5432", "udp://10.0.0.1:53"),
            "service_names": ("db", "dns"),
            "tag": "e2e",
            "env": ("DATABASE_URL=postgres://db:5432/app?sslmode=disable",),
        },
    )
