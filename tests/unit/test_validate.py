import pytest

from pipeline.validate import (
    check_coverage,
    check_duration,
    check_link_vars,
    check_package_syntax,
    check_port,
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
