"""Dagger engines the tests and benchmarks start beside the main one: new state, a network of their own.

Each listens on tcp://127.0.0.1:<the port it bound> (port 0: no race for a free port) and is stopped with its
processes (its containers do not die with it). `new_engine` gives one on a network name no engine has used, so its
start is an engine's first start on a host: no bridge, no dnsname state.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Generator
from pathlib import Path

import psutil

from tests.conftest import ROOT

START_SECONDS = 90
DNSNAME_STATE = Path("/var/run/containers/cni/dnsname")


def sdk_digests() -> dict[str, str]:
    """Return the builtin SDK images' digests the main engine starts with (module mode; scripts/build-sdk.sh).

    The images sit in the content store every engine on this host reads (scripts/engine-up.sh links it), so an
    engine given their digests loads a module like the main one; without them it cannot load any.
    """
    env = Path(os.environ.get("PIPELINE_CACHE", "")) / "state" / "sdk.env"
    if not env.is_file():
        return {}
    return dict(line.split("=", 1) for line in env.read_text().splitlines() if "=" in line)


class Engine:
    """A Dagger engine on tcp://127.0.0.1:<the port it bound>, on a network of its own."""

    def __init__(self, root: Path, network: str, cidr: str) -> None:
        """Describe the engine: its state folder, network name and CIDR (nothing starts yet)."""
        self.root = root
        self.network = network
        self.cidr = cidr
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """The engine's address, once it listens."""
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """What the engine printed."""
        return self.root / "engine.log"

    def start(self) -> float:
        """Start the engine on port 0, wait until it listens (its port is the one it bound); return the seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        with self.log.open("ab") as log:
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
                stdout=log, stderr=log, start_new_session=True, env={**os.environ, **sdk_digests()},
            )  # fmt: skip
        while time.monotonic() - t0 < START_SECONDS:
            if self.proc.poll() is not None:
                msg = f"the engine exited:\n{self.log.read_text()[-2000:]}"
                raise RuntimeError(msg)
            listening = [
                c.laddr.port
                for c in psutil.Process(self.proc.pid).net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN
            ]
            if listening:
                self.port = listening[0]
                return time.monotonic() - t0
            time.sleep(0.2)
        msg = f"the engine at {self.root} did not listen within {START_SECONDS}s"
        raise RuntimeError(msg)

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
        """SIGKILL the engine and every process it started."""
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

    def forget(self) -> None:
        """Remove the engine's bridge, dnsname state and state folder (after stop)."""
        subprocess.run(["ip", "link", "del", f"{self.network}0"], capture_output=True, check=False)
        subprocess.run(["rm", "-rf", str(DNSNAME_STATE / self.network), str(self.root)], check=False)


@contextlib.contextmanager
def new_engine(root: Path, prefix: str, cidr: str) -> Generator[Engine]:
    """Start an engine on a never-used network (<prefix><6 hex>), empty state under root; stop and forget it."""
    engine = Engine(root, f"{prefix}{secrets.token_hex(3)}", cidr)
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()
        engine.forget()
