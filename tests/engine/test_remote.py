"""A second engine reached over tcp://, as runners share one remote engine; and what a dead engine looks like.

The second engine runs on this host (its own state folder, network and loopback TCP port). Two runners (two
separate `pipeline` processes, as two CI jobs) build the same source through it: the second is a cache hit.
Then the engine is killed (-9) in the middle of a build: the CLI says so in one line and exits 1.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.conftest import ROOT

PIPELINE = str(Path(sys.executable).parent / "pipeline")
START_SECONDS = 90
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Engine:
    """A second Dagger engine on tcp://127.0.0.1:<port>, started and stopped by the tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.root / "engine.log").open("ab") as log:
            self.proc = self._spawn(log)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.root / "engine.log").read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.5)
            else:
                return
        pytest.fail(f"the second engine did not listen on {self.address} within {START_SECONDS}s")

    def _spawn(self, log: BinaryIO) -> "subprocess.Popen[bytes]":
        return subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                os.environ["PIPELINE_ENGINE_BIN"],
                "--root",
                str(self.root / "state"),
                "--addr",
                self.address,
                "--network-name",
                "dagger-remote",
                "--network-cidr",
                "10.89.0.0/16",
                "--config",
                str(ROOT / "scripts" / "engine.toml"),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def remote() -> Iterator[Engine]:
    """The second engine; its state persists under PIPELINE_CACHE like the main engine's."""
    root = Path(os.environ["PIPELINE_CACHE"]) / "engine-remote"
    root.mkdir(parents=True, exist_ok=True)
    engine = Engine(root)
    engine.start()
    yield engine
    engine.stop()


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


def test_engine_killed_mid_build_is_one_line(remote: Engine, tmp_path: Path) -> None:
    # A cache namespace of its own: the build is cold, so it is still running when the engine dies.
    args = ["--source", str(ROOT / "app"), "--cache-namespace", f"kill-{time.time_ns()}", "build"]
    env = {**os.environ, "_EXPERIMENTAL_DAGGER_RUNNER_HOST": remote.address}
    proc = subprocess.Popen(
        [PIPELINE, *args, "--output", str(tmp_path / "out")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)
    assert proc.poll() is None, "the build ended before the engine could be killed"
    remote.kill()
    try:
        _, err = proc.communicate(timeout=180)
    finally:
        proc.kill()
        remote.start()  # for any later test in this module
    assert proc.returncode == 1, err
    went_away = f"the Dagger engine at {remote.address} went away; start it again (make engine-up) and re-run"
    assert err == f"pipeline: engine: {went_away}\n"
