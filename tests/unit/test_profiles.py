"""pprof's command lines and the sample-index check (no engine)."""

import pytest

from pipeline.perf.pprof import ProfileKind
from pipeline.perf.pprof_args import PprofArgs, check_sample_index


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (PprofArgs(), ["/pprof/profile"]),
        (
            PprofArgs(sample_index="alloc_space", binary=True, source_path="/src", trim_path="example.com/hello"),
            [
                "-sample_index=alloc_space",
                "-source_path=/src",
                "-trim_path=example.com/hello",
                "/pprof/binary",
                "/pprof/profile",
            ],
        ),
    ],
)
def test_http_serves_on_every_interface_without_a_browser(args: PprofArgs, want: list[str]) -> None:
    assert args.http(8081) == ["go", "tool", "pprof", "-http=0.0.0.0:8081", "-no_browser", *want]


@pytest.mark.parametrize(
    ("kind", "flags"),
    [("top", ["-top", "-nodecount=50"]), ("svg", ["-svg"])],
)
def test_reports(kind: str, flags: list[str]) -> None:
    assert PprofArgs(binary=True).report(kind) == ["go", "tool", "pprof", *flags, "/pprof/binary", "/pprof/profile"]


@pytest.mark.parametrize("value", ["", "alloc_space", "inuse_objects", "samples", "cpu", "0", "3"])
def test_sample_index_accepts_types_and_indexes(value: str) -> None:
    assert check_sample_index(value) == value


@pytest.mark.parametrize("value", ["alloc space", "-top", "Alloc", "x;rm", "1a"])
def test_sample_index_refuses_anything_else(value: str) -> None:
    with pytest.raises(ValueError, match="--sample-index"):
        check_sample_index(value)


@pytest.mark.parametrize(("kind", "file"), [(ProfileKind.CPU, "cpu.prof"), (ProfileKind.MEM, "mem.prof")])
def test_profile_kinds_name_benchs_files(kind: ProfileKind, file: str) -> None:
    assert kind.file == file
