"""A second engine reached over tcp://, as runners share one remote engine; and what a dead engine looks like.

The second engine runs on this host (its own state folder, network and loopback TCP port). Two runners (two
separate `pipeline` processes, as two CI jobs) build the same source through it: the second is a cache hit.
Then an engine of its own is killed (-9) in the middle of a build: the CLI says so in one line and exits 1.
Every wait is for an event (the port the engine bound, a line of progress, a process gone), bounded.
"""

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

PIPELINE = str(Path(sys.executable).parent / "pipeline")
START_SECONDS = 90
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Engine:
    """A Dagger engine on tcp://127.0.0.1:<the port it bound>, on a network of its own, started by the tests."""

    def __init__(self, root: Path, network: str, cidr: str) -> None:
        self.root = root
        self.network = network
        self.cidr = cidr
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """The engine's address, once it listens."""
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the engine on port 0 and wait until it listens; its port is the one it bound."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "engine.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    "unshare", "--mount", "--propagation", "private", "--",  # execs the engine: same pid
                    os.environ["PIPELINE_ENGINE_BIN"],
                    "--root", str(self.root / "state"),
                    "--addr", "tcp://127.0.0.1:0",
                    "--network-name", self.network,
                    "--network-cidr", self.cidr,
                    "--config", str(ROOT / "scripts" / "engine.toml"),
                ],
                stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.root / "engine.log").read_text()[-2000:]
            listening = [
                c.laddr.port
                for c in psutil.Process(self.proc.pid).net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN
            ]
            if listening:
                self.port = listening[0]
                return
            time.sleep(0.2)
        pytest.fail(f"the engine at {self.root} did not listen within {START_SECONDS}s")

    def processes(self) -> list[psutil.Process]:
        """The engine's descendants: runc, containers, what they run."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def running(self, *words: str) -> bool:
        """Tell whether a process of the engine has all words in its command line (e.g. "go", "build")."""
        for p in self.processes():
            try:
                cmdline = p.cmdline()
            except psutil.Error:
                continue
            if all(w in cmdline for w in words):
                return True
        return False

    def kill(self) -> None:
        """SIGKILL the engine and every process it started (its containers do not die with it)."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM the engine (it writes its cache index), SIGKILL past the bound; then its leftover processes."""
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        left = self.processes()
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(left, timeout=30)


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
    network = f"kill{secrets.token_hex(3)}"
    engine = Engine(tmp_path_factory.mktemp("doomed"), network, "10.92.0.0/16")
    engine.start()
    yield engine
    engine.stop()
    subprocess.run(["ip", "link", "del", f"{network}0"], capture_output=True, check=False)
    subprocess.run(["rm", "-rf", str(engine.root), f"/var/run/containers/cni/dnsname/{network}"], check=False)


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
