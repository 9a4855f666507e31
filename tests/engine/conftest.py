"""Tier 3: the real functions against a real engine in client mode."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import dagger
import pytest
from dagger import dag

from pipeline import Pipeline, pins
from pipeline.args import SOURCE_IGNORE
from scripts import harness_pins
from tests import vulndb
from tests.conftest import FIXTURES, ROOT, require_engine_env


@pytest.fixture(scope="session", autouse=True)
async def engine() -> AsyncIterator[None]:
    """One engine session for the whole tier (fails in CI when no engine is configured)."""
    require_engine_env()
    async with dagger.connection(dagger.Config(log_output=sys.stderr if os.environ.get("PIPELINE_LOG") else None)):
        yield


def source(path: Path) -> dagger.Directory:
    """Upload a Go module folder the way the module's DefaultPath/Ignore would."""
    return dag.host().directory(str(path), exclude=SOURCE_IGNORE)


@pytest.fixture(scope="session")
def go_image() -> str:
    """The local Go builder image published by scripts/base-images.sh."""
    return os.environ["PIPELINE_GO_IMAGE"]


@pytest.fixture(scope="session")
def debian_go_image(go_image: str) -> str:
    """The same Go on minimal Debian (scripts/base-images.sh): a builder where apt-get works, like golang:*-bookworm."""
    return go_image.replace("/go-builder:", "/go-builder-debian:")


@pytest.fixture(scope="session")
def toolbox() -> str:
    """A busybox image for probing services."""
    return os.environ["PIPELINE_GO_IMAGE"].rsplit("/", 1)[0] + "/toolbox:busybox"


@pytest.fixture(scope="session")
def redis_image() -> str:
    """Debian's redis-server as an image (scripts/base_images.py), the integration fixture's second service."""
    return os.environ["PIPELINE_GO_IMAGE"].rsplit("/", 1)[0] + f"/redis:{harness_pins.REDIS_IMAGE_TAG}"


@pytest.fixture(scope="session")
def client(toolbox: str) -> Callable[[str, dagger.Service], dagger.Container]:
    """Make a toolbox container that reaches a service by a host name (never cached: it probes live)."""

    def make(alias: str, svc: dagger.Service) -> dagger.Container:
        return (
            dag.container()
            .from_(toolbox)
            .with_service_binding(alias, svc)
            .with_env_variable("CACHE_BUST", os.urandom(8).hex())
        )

    return make


@pytest.fixture(scope="session")
def app(go_image: str) -> Pipeline:
    """The pipeline on app/."""
    return Pipeline(source=source(ROOT / "app"), go_image=go_image)


@pytest.fixture(scope="session")
def fixture(go_image: str) -> Callable[..., Pipeline]:
    """Make the pipeline on tests/fixtures/<name>."""

    def make(name: str, **kwargs: object) -> Pipeline:
        return Pipeline(source=source(FIXTURES / name), go_image=go_image, **kwargs)  # pyright: ignore[reportArgumentType]

    return make


@pytest.fixture(scope="session")
async def trivy_db() -> dagger.Directory:
    """The fixture vulnerability DB (scripts/trivy-db.sh writes it offline with trivy-db's Go API)."""
    res = await anyio.run_process(["bash", str(ROOT / "scripts/trivy-db.sh")])
    out = res.stdout.decode().strip().splitlines()[-1]
    return dag.host().directory(f"{out}/db")


@pytest.fixture(scope="session")
def trivy_image() -> str:
    """The local Trivy image (built from Trivy's Go module by scripts/base-images.sh)."""
    return os.environ["PIPELINE_TRIVY_IMAGE"]


@pytest.fixture(scope="session")
def vuln_db(tmp_path_factory: pytest.TempPathFactory) -> dagger.Directory:
    """The fixture Go vulnerability DB (OSV, v1 layout) for govulncheck, written by tests/vulndb.py."""
    return dag.host().directory(str(vulndb.write(tmp_path_factory.mktemp("vulndb"))))


@pytest.fixture(scope="session")
def cosign_image() -> str:
    """The local cosign image (built from cosign's Go module by scripts/go-tool.sh)."""
    return os.environ.get("PIPELINE_COSIGN_IMAGE") or f"{harness_pins.LOCAL_REGISTRY}/cosign:{pins.COSIGN_VERSION}"


@pytest.fixture(scope="session")
def cosign_bin() -> Path:
    """The host cosign binary scripts/go-tool.sh built: the one a user runs to verify."""
    where = subprocess.run(
        ["bash", str(ROOT / "scripts/go-tool.sh"), "--where", "cosign"], capture_output=True, text=True, check=True
    )
    binary = Path(where.stdout.strip())
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run scripts/go-tool.sh cosign (make setup does)", pytrace=False)
    return binary


@pytest.fixture(scope="session")
def creds() -> tuple[str, str]:
    """User and password of the basic-auth registry (scripts/registry.sh)."""
    user = Path(os.environ["PIPELINE_AUTH_REGISTRY_USER_FILE"]).read_text().strip()
    return user, Path(os.environ["PIPELINE_AUTH_REGISTRY_PASSWORD_FILE"]).read_text().strip()


@pytest.fixture(scope="session")
def registry_password() -> dagger.Secret:
    """That password as a Secret, read from its file by the engine: never a plain string in a call."""
    return dag.secret(f"file://{os.environ['PIPELINE_AUTH_REGISTRY_PASSWORD_FILE']}")
