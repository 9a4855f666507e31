import pytest

from pipeline.execs import bounded, command, timed_out


def test_bounded_commands_read_as_the_user_wrote_them() -> None:
    argv = bounded(["go", "test", "./..."], 60)
    assert argv == ["timeout", "-k", "10", "60", "go", "test", "./..."]
    assert command(argv) == "go test ./..."
    assert command(["go", "vet"]) == "go vet"


@pytest.mark.parametrize(("code", "fired"), [(124, True), (143, True), (137, True), (1, False), (0, False)])
def test_timed_out(code: int, fired: bool) -> None:
    assert (timed_out(bounded(["go", "build"], 30), code) == "timed out after 30s") is fired
    assert timed_out(["go", "build"], code) is None
