"""An engine's first start on a host that never ran one: no bridge, no CNI or dnsname state.

On a new machine the engine starts dnsmasq before its first container creates the bridge. With `bind-interfaces`
dnsmasq exited at once ("unknown interface"), and the first container then failed in the dnsname CNI plugin (no
pidfile): every first start on a new host failed. This replays that start beside the main engine: a network name
no engine has used (so its bridge and dnsname folder do not exist), an empty state folder and its own socket. The
engine must answer, run a container, and resolve a service by name through its dnsmasq.
"""

import os
import secrets
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from tests.engines import DNSNAME_STATE, Engine

CALL_SECONDS = 600

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


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a network no engine has used, with an empty state folder; stopped and forgotten afterwards."""
    engine = Engine(tmp_path_factory.mktemp("first-start"), f"first{secrets.token_hex(3)}", "10.91.0.0/16")
    yield engine
    engine.stop()
    engine.forget()


def test_first_start_on_a_host_without_the_bridge(fresh: Engine) -> None:
    bridge = f"{fresh.network}0"
    assert not link_exists(bridge), f"{bridge} exists already: not a first start"
    assert not (DNSNAME_STATE / fresh.network).exists()
    fresh.start()
    env = {**os.environ, "_EXPERIMENTAL_DAGGER_RUNNER_HOST": fresh.address}
    res = subprocess.run(
        [sys.executable, "-c", CLIENT, os.environ["PIPELINE_GO_IMAGE"]],
        env=env, capture_output=True, text=True, timeout=CALL_SECONDS, check=False,
    )  # fmt: skip
    engine_log = fresh.log.read_text()
    assert res.returncode == 0, f"{res.stderr[-3000:]}\nengine log:\n{engine_log[-3000:]}"
    assert res.stdout == "first start\n"
    assert "dnsmasq exited" not in engine_log, engine_log[-3000:]
    assert link_exists(bridge), "the engine ran containers without making its bridge"
