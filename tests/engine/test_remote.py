"""A second engine reached over tcp://, as runners share one remote engine; and what a dead engine looks like.

The second engine runs on this host (its own state folder, network and loopback TCP port). Two runners (two
separate `pipeline` processes, as two CI jobs) build the same source through it: the second is a cache hit.
Then an engine of its own is killed (-9) in the middle of a build: the CLI says so in one line and exits 1.
Every wait is for an event (the port the engine bound, a line of progress, a process gone), bounded.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.engines import Engine, new_engine

PIPELINE = str(Path(sys.executable).parent / "pipeline")
START_SECONDS = 90
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def remote() -> Iterator[Engine]:
    """The shared second engine; its state persists under PIPELINE_CACHE like the main engine's."""
    engine = Engine(Path(os.environ["PIPELINE_CACHE"]) / "engine-remote", "dagger-remote", "10.89.0.0/16")
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def doomed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine of its own to kill: a new state folder and network, removed afterwards."""
    with new_engine(tmp_path_factory.mktemp("doomed"), "kill", "10.92.0.0/16") as engine:
        yield engine


def runner(engine: Engine, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """One CI runner: a fresh `pipeline` process pointed at the remote engine."""
    env = {**os.environ, "_EXPERIMENTAL_DAGGER_RUNNER_HOST": engine.address}
    return subprocess.run([PIPELINE, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def go_build_cached(progress: str) -> bool:
    """Tell whether the engine answered the `go build` exec from its cache (plain progress output)."""
    lines = [ANSI.sub("", ln) for ln in progress.splitlines()]
    for i, line in enumerate(lines):
        if "withExec" in line and " go build " in line:
            return any("CACHED" in ln for ln in lines[i + 1 : i + 3])
    return False


def test_two_runners_share_one_remote_engine(remote: Engine, tmp_path: Path) -> None:
    args = ["--verbose", "--source", str(ROOT / "app"), "--platforms", "linux/amd64", "build", "--version", "v1.0.0"]
    first = runner(remote, *args, "--output", str(tmp_path / "one"))
    assert first.returncode == 0, first.stderr[-3000:]
    second = runner(remote, *args, "--output", str(tmp_path / "two"))
    assert second.returncode == 0, second.stderr[-3000:]
    assert go_build_cached(second.stderr), "the second runner rebuilt instead of using the shared cache"
    assert (tmp_path / "one/linux_amd64/hello").read_bytes() == (tmp_path / "two/linux_amd64/hello").read_bytes()


def test_engine_killed_mid_build_is_one_line(doomed: Engine, tmp_path: Path) -> None:
    # A new engine has nothing cached: the build takes minutes. The engine dies once `go build` runs in it.
    args = ["--source", str(ROOT / "app"), "build", "--output", str(tmp_path / "out")]
    env = {**os.environ, "_EXPERIMENTAL_DAGGER_RUNNER_HOST": doomed.address}
    proc = subprocess.Popen([PIPELINE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while not doomed.running("go", "build") and proc.poll() is None:
            assert time.monotonic() < deadline, "go build never started in the engine"
            time.sleep(0.2)
        assert proc.poll() is None, f"the build ended before the engine could be killed: {proc.communicate()[1]}"
        doomed.kill()
        _, err = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    went_away = f"the Dagger engine at {doomed.address} went away; start it again (make engine-up) and re-run"
    assert err == f"pipeline: engine: {went_away}\n"
