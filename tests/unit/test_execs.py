import pytest

from pipeline.core.execs import bounded, command, exec_failure, timed_out


def test_bounded_commands_read_as_the_user_wrote_them() -> None:
    argv = bounded(["go", "test", "./..."], 60)
    assert argv == ["timeout", "-k", "10", "60", "go", "test", "./..."]
    assert command(argv) == "go test ./..."
    assert command(["go", "vet"]) == "go vet"


@pytest.mark.parametrize(("code", "fired"), [(124, True), (143, True), (137, True), (1, False), (0, False)])
def test_timed_out(code: int, fired: bool) -> None:
    assert (timed_out(bounded(["go", "build"], 30), code) == "timed out after 30s") is fired
    assert timed_out(["go", "build"], code) is None


def test_a_go_mod_newer_than_the_builder_says_what_to_pass() -> None:
    said = "go: go.mod requires go >= 1.27.0 (running go 1.26.8; GOTOOLCHAIN=local)\n"
    cause = exec_failure(bounded(["go", "mod", "download"], 60), 1, said)
    assert cause == (
        "`go mod download` failed (exit 1): go.mod needs Go 1.27.0 and the builder image has 1.26.8; pass --go-image"
        " with Go 1.27.0 or newer, or leave --go-image unset (golang:<go.mod's version>-bookworm)"
    )
    assert exec_failure(["go", "vet"], 124, "x") == "`go vet` failed (exit 124)"
    assert exec_failure(bounded(["go", "vet"], 5), 124, "") == "`go vet` timed out after 5s"


def test_an_embed_pattern_matching_nothing_names_the_file_and_the_cure() -> None:
    said = "ui/web.go:31:12: pattern app/dist: no matching files found\n"
    cause = exec_failure(bounded(["go", "build", "./..."], 60), 1, said)
    assert cause.startswith(
        "`go build ./...` failed (exit 1): ui/web.go:31:12 embeds app/dist, which is not in the source"
    )
    assert "generate them first" in cause
