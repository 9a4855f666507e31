"""The build's argv, the choice of the app's binary and workspace patterns (logic without an engine)."""

import pytest

from pipeline.go.build import BuildFlags, choose_main
from pipeline.go.builder import COMPILE_FLAGS, GoEnv, builder_image
from pipeline.go.builder_modfiles import parse_go_work


def test_release_build_argv() -> None:
    flags = BuildFlags(packages=("./...",), version="v1.2.3", tags=("netgo", "prod"), link_vars=("main.commit=abc",))
    assert flags.argv("/out/linux_amd64") == [
        "go",
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-ldflags",
        "-s -w -buildid= -X main.version=v1.2.3 -X main.commit=abc",
        "-tags",
        "netgo,prod",
        "-o",
        "/out/linux_amd64/",
        "./...",
    ]


def test_the_release_build_compiles_with_the_flags_vet_and_the_tools_share() -> None:
    # Go keys a compiled package on its flags: vet and the tools share the build's compiles only with these alike.
    argv = BuildFlags().argv("/out")
    assert argv[2 : argv.index("-ldflags")] == list(COMPILE_FLAGS)


def test_debug_build_keeps_symbols_and_disables_optimisations() -> None:
    argv = BuildFlags(gcflags="all=-N -l").argv("/debug")
    assert "-gcflags=all=-N -l" in argv
    assert argv[argv.index("-ldflags") + 1] == "-buildid= -X main.version=dev"


@pytest.mark.parametrize(
    ("names", "wanted", "module", "chosen"),
    [
        (["hello"], "", "hello", "hello"),
        (["api", "worker"], "worker", "multi", "worker"),
        (["api", "worker"], "./cmd/api", "multi", "api"),
        (["orders", "migrate"], "", "orders", "orders"),
    ],
)
def test_choose_main(names: list[str], wanted: str, module: str, chosen: str) -> None:
    assert choose_main(names, wanted, module) == chosen


def test_choose_main_names_the_candidates() -> None:
    with pytest.raises(ValueError, match=r"several main packages were built \(api, worker\); pass --main"):
        choose_main(["api", "worker"], "", "multi")
    with pytest.raises(ValueError, match=r"'nope' is not among the built binaries \(api, worker\)"):
        choose_main(["api", "worker"], "nope", "multi")


def test_workspace_patterns_expand_to_each_module() -> None:
    project = parse_go_work("go 1.26\n\nuse (\n\t./api\n\t./lib // shared\n)\n")
    assert project.uses == ("api", "lib")
    env = GoEnv(image="golang", project=project)
    assert env.patterns(["./...", "./api/cmd/x"]) == ["./api/...", "./lib/...", "./api/cmd/x"]
    assert GoEnv(image="golang").patterns(["./..."]) == ["./..."]


@pytest.mark.parametrize(
    ("version", "image"),
    [
        ("1.26.8", "golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d"),
        ("1.25.3", "golang:1.25.3-bookworm"),
    ],
)
def test_builder_image_is_pinned_by_digest_when_known(version: str, image: str) -> None:
    assert builder_image("", version) == image
    assert builder_image("my/go:1", version) == "my/go:1"
