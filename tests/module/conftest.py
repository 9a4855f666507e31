"""Tier 4: the module as users run it, through the real `dagger` CLI (module mode) against the same engine.

Each test works in a copy of the repository's tracked files (a git repository of its own, so DefaultPath "/"
is its root), with a `.env` beside dagger.json holding this machine's offline defaults (the local builder and
Trivy images, the fixture vulnerability DB): module mode reads constructor defaults from there, as a user's
`dagger check` would.
"""

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import vulndb
from tests.conftest import ROOT, require_engine_env

#: A call through the CLI loads the module (cold: minutes on two cores) and runs the pipeline.
CALL_TIMEOUT = 1800


@dataclass(frozen=True)
class Run:
    """What one `dagger` command printed."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def dagger_cli() -> str:
    """The dagger CLI built by scripts/build-engine.sh (on PATH after `eval "$(scripts/engine-env)"`)."""
    require_engine_env()
    path = shutil.which("dagger")
    if path is None:
        pytest.fail("no dagger CLI on PATH: run `make engine-up` and eval scripts/engine-env", pytrace=False)
    return path


def offline_defaults(source: str = "", cache_namespace: str = "") -> str:
    """The .env lines that point the module at this machine's local images and vulnerability DBs.

    Trivy's DB is scripts/engine-up.sh's; the Go vulnerability DB (govulncheck) is the fixture one, written under
    PIPELINE_CACHE: with no internet, govulncheck could not reach vuln.go.dev.
    """
    vuln_db = vulndb.write(Path(os.environ["PIPELINE_CACHE"]) / "vulndb" / "test")
    lines = [
        f"goImage={os.environ['PIPELINE_GO_IMAGE']}",
        f"trivyImage={os.environ['PIPELINE_TRIVY_IMAGE']}",
        f"trivyDb={os.environ['PIPELINE_TRIVY_DB']}",
        f"vulnDb={vuln_db}",
    ]
    if source:
        lines.append(f"source={source}")
    if cache_namespace:  # cache volumes of its own: what a run exports is its own, not the whole engine's
        lines.append(f"cacheNamespace={cache_namespace}")
    return "\n".join(lines) + "\n"


def copy_repository(dst: Path, env: str) -> Path:
    """Copy the tracked files (and uncommitted edits to them) into dst as a fresh git repository."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    (dst / ".env").write_text(env)
    subprocess.run(["git", "init", "-q", str(dst)], check=True)
    return dst


@pytest.fixture(scope="session")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a user checks it out, with .env defaults for app/."""
    return copy_repository(tmp_path_factory.mktemp("repo"), offline_defaults("app"))


@pytest.fixture(scope="session")
def cli(dagger_cli: str) -> Callable[..., Run]:
    """Run `dagger --progress=plain <args>` in a folder; return its exit code and output."""

    def run(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = CALL_TIMEOUT) -> Run:
        res = subprocess.run(
            [dagger_cli, "--progress=plain", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(res.returncode, res.stdout, res.stderr)

    return run
