import pytest

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


@pytest.mark.parametrize("ok", ["60s", "1m30s", "10m", "1h", "500ms", "1.5s"])
def test_durations(ok: str) -> None:
    assert check_duration(ok, "test --timeout") == ok


@pytest.mark.parametrize("bad", ["60", "1 minute", "", "-5s", "10m;rm"])
def test_bad_durations_name_the_input(bad: str) -> None:
    with pytest.raises(ValueError, match=r"^test --timeout: .* is not a Go duration"):
        check_duration(bad, "test --timeout")


@pytest.mark.parametrize(("pct", "ok"), [(0.0, True), (80.0, True), (100.0, True), (-1.0, False), (100.5, False)])
def test_coverage_bounds(pct: float, ok: bool) -> None:
    if ok:
        assert check_coverage(pct) == pct
    else:
        with pytest.raises(ValueError, match="coverage-min"):
            check_coverage(pct)


@pytest.mark.parametrize(("port", "ok"), [(1, True), (8080, True), (65535, True), (0, False), (70000, False)])
def test_ports(port: int, ok: bool) -> None:
    if ok:
        assert check_port(port) == port
    else:
        with pytest.raises(ValueError, match=r"^port: "):
            check_port(port)


def test_link_vars() -> None:
    assert check_link_vars(["main.commit=abc", "example.com/x/build.Date=2026-11-29"]) == (
        "main.commit=abc",
        "example.com/x/build.Date=2026-11-29",
    )
    with pytest.raises(ValueError, match=r"'commit=abc' is not pkg\.name=value"):
        check_link_vars(["commit=abc"])


@pytest.mark.parametrize(
    ("pattern", "folder"),
    [(".", "."), ("./...", "."), ("./cmd/api", "cmd/api"), ("./cmd/...", "cmd"), ("example.com/x/cmd/api", None)],
)
def test_package_dir(pattern: str, folder: str | None) -> None:
    assert package_dir(pattern) == folder


def test_packages_must_stay_inside_and_exist() -> None:
    with pytest.raises(ValueError, match="outside the source"):
        check_package_syntax(["../elsewhere"])
    with pytest.raises(ValueError, match="at least one"):
        check_package_syntax([])


@pytest.mark.parametrize(
    ("names", "count", "message"),
    [
        (["db", "cache"], 2, ""),
        ([], 0, ""),
        (["db"], 2, r"1 name\(s\) for 2 service\(s\)"),
        (["db", "db"], 2, "'db' is given twice"),
        (["app"], 1, "'app' is the app's own host name"),
        (["Db"], 1, "is not a host name"),
        (["-db"], 1, "is not a host name"),
        (["x" * 64], 1, "is not a host name"),
    ],
)
def test_service_names(names: list[str], count: int, message: str) -> None:
    if not message:
        assert check_service_names(names, count, "app") == names
    else:
        with pytest.raises(ValueError, match=rf"^service-names: .*{message}"):
            check_service_names(names, count, "app")


@pytest.mark.parametrize(("tag", "ok"), [("integration", True), ("e2e_slow", True), ("go1.26", True), ("a,b", False)])
def test_build_tags(tag: str, ok: bool) -> None:
    if ok:
        assert check_build_tag(tag) == tag
    else:
        with pytest.raises(ValueError, match=r"^tag: "):
            check_build_tag(tag)


def test_env_keeps_everything_after_the_first_equals() -> None:
    assert check_env(["A=1", "URL=redis://r:6379/0?x=y", "EMPTY="], "env") == {
        "A": "1",
        "URL": "redis://r:6379/0?x=y",
        "EMPTY": "",
    }
    with pytest.raises(ValueError, match=r"^app-env: '1A=x' is not NAME=value"):
        check_env(["1A=x"], "app-env")


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("tcp://localhost:5432", True),
        ("udp://127.0.0.1:53", True),
        ("tcp://[::1]:6379", True),
        ("localhost:5432", False),
        ("http://localhost:80", False),
        ("tcp://localhost", False),
        ("tcp://localhost:0", False),
    ],
)
def test_service_addresses(address: str, ok: bool) -> None:
    if ok:
        assert check_service_address(address) == address
    else:
        with pytest.raises(ValueError, match=r"^services: "):
            check_service_address(address)
