"""An engine's first start on a host that never ran one: no bridge, no CNI or dnsname state.

On a new machine the engine starts dnsmasq before its first container creates the bridge. With `bind-interfaces`
dnsmasq exited at once ("unknown interface"), and the first container then failed in the dnsname CNI plugin (no
pidfile): every first start on a new host failed. This replays that start beside the main engine: a network name
no engine has used (so its bridge and dnsname folder do not exist), an empty state folder and its own socket. The
engine must answer, run a container, and resolve a service by name through its dnsmasq.
"""

import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

START_SECONDS = 120
CALL_SECONDS = 600
DNSNAME_STATE = Path("/var/run/containers/cni/dnsname")

#: Run in a separate process pointed at the new engine: a web service and a client that reaches it by name.
CLIENT = textwrap.dedent(
    """
    import sys, anyio, dagger
    from dagger import dag

    async def main() -> None:
        image = sys.argv[1]
        async with dagger.connection(dagger.Config(log_output=sys.stderr)):
            web = (
                dag.container().from_(image)
                .with_new_file("/www/index.html", "first start\\n")
                .with_exposed_port(8080)
                .as_service(args=["httpd", "-f", "-p", "8080", "-h", "/www"])
            )
            out = await (
                dag.container().from_(image)
                .with_service_binding("web", web)
                .with_exec(["wget", "-qO-", "http://web:8080/"])
                .stdout()
            )
            print(out, end="")

    anyio.run(main)
    """
)


def link_exists(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", name], capture_output=True, check=False).returncode == 0


class FreshEngine:
    """An engine on a network no engine has used, with an empty state folder; cleaned away afterwards."""

    def __init__(self, base: Path) -> None:
        self.network = f"first{secrets.token_hex(3)}"  # the bridge is <network>0: at most 15 characters
        self.bridge = f"{self.network}0"
        self.root = base
        self.sock = base / "engine.sock"
        self.log = base / "engine.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    "unshare", "--mount", "--propagation", "private", "--",
                    os.environ["PIPELINE_ENGINE_BIN"],
                    "--root", str(self.root / "state"),
                    "--addr", f"unix://{self.sock}",
                    "--network-name", self.network,
                    "--network-cidr", "10.91.0.0/16",
                    "--config", str(ROOT / "scripts" / "engine.toml"),
                ],
                stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while not self.sock.exists():  # the engine creates its socket once it serves
            assert self.proc.poll() is None, f"the engine exited:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no socket within {START_SECONDS}s:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, check=False)
        subprocess.run(["rm", "-rf", str(DNSNAME_STATE / self.network)], check=False)


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshEngine]:
    engine = FreshEngine(tmp_path_factory.mktemp("first-start"))
    yield engine
    engine.stop()
    subprocess.run(["rm", "-rf", str(engine.root)], check=False)


def test_first_start_on_a_host_without_the_bridge(fresh: FreshEngine) -> None:
    assert not link_exists(fresh.bridge), f"{fresh.bridge} exists already: not a first start"
    assert not (DNSNAME_STATE / fresh.network).exists()
    fresh.start()
    env = {**os.environ, "_EXPERIMENTAL_DAGGER_RUNNER_HOST": f"unix://{fresh.sock}"}
    res = subprocess.run(
        [sys.executable, "-c", CLIENT, os.environ["PIPELINE_GO_IMAGE"]],
        env=env, capture_output=True, text=True, timeout=CALL_SECONDS, check=False,
    )  # fmt: skip
    engine_log = fresh.log.read_text()
    assert res.returncode == 0, f"{res.stderr[-3000:]}\nengine log:\n{engine_log[-3000:]}"
    assert res.stdout == "first start\n"
    assert "dnsmasq exited" not in engine_log, engine_log[-3000:]
    assert link_exists(fresh.bridge), "the engine ran containers without making its bridge"
