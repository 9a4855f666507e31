import pytest

from pipeline.go.platforms import Platform, parse_platform, parse_platforms


@pytest.mark.parametrize(
    ("text", "goenv", "dirname"),
    [
        ("linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}, "linux_amd64"),
        ("linux/arm64", {"GOOS": "linux", "GOARCH": "arm64"}, "linux_arm64"),
        ("linux/arm/v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}, "linux_arm_v7"),
        ("linux/amd64/v3", {"GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v3"}, "linux_amd64_v3"),
        ("windows/amd64", {"GOOS": "windows", "GOARCH": "amd64"}, "windows_amd64"),
    ],
)
def test_parse_platform(text: str, goenv: dict[str, str], dirname: str) -> None:
    p = parse_platform(text)
    assert (p.goenv, p.dirname, str(p)) == (goenv, dirname, text)


def test_windows_binaries_get_exe() -> None:
    assert Platform("windows", "amd64").exe == ".exe"
    assert Platform("linux", "amd64").exe == ""


@pytest.mark.parametrize("bad", ["linux", "plan9/mips", "Linux/AMD64", "linux/amd64/x", "linux//amd64"])
def test_parse_platform_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="not a supported platform"):
        parse_platform(bad)


def test_parse_platforms_rejects_empty_and_duplicates() -> None:
    with pytest.raises(ValueError, match="at least one"):
        parse_platforms([])
    with pytest.raises(ValueError, match="duplicate"):
        parse_platforms(["linux/amd64", "linux/amd64"])
