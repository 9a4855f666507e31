"""A real open-source Go service (not written for this project) through `dagger call`, as its team would run it.

go-httpbin (harness_pins.REAL_SERVICES[0]) is a service shaped like many: its main in cmd/go-httpbin, static assets
embedded with go:embed, ~1,400 tests, a module path with a /v2 suffix. `make realworld` tries the others.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import harness_pins
from tests.elf import elf_info
from tests.module.conftest import Run
from tests.realservices import download, short_name

pytestmark = pytest.mark.timeout(3600)

Cli = Callable[..., Run]


def test_a_real_service_passes_ci_and_builds_static_binaries(cli: Cli, repo: Path, tmp_path: Path) -> None:
    ref = str(harness_pins.REAL_SERVICES[0]["ref"])
    service = download(ref, tmp_path / short_name(ref))
    source = f"--source={service}"

    ci = cli(repo, "call", source, "ci", "summary")
    assert ci.code == 0, (ci.stdout + ci.stderr)[-3000:]
    assert "7 of 7 steps ok" in ci.stdout

    summary = cli(repo, "call", source, "test", "summary")
    assert summary.code == 0, summary.stderr[-3000:]
    assert re.search(r"\b[1-9]\d* passed, 0 failed", summary.stdout), summary.stdout

    # The binary is named as `go build` names it: cmd/go-httpbin, whatever the module's /v2 suffix.
    built = cli(repo, "call", source, "build", "export", "--path", str(tmp_path / "dist"))
    assert built.code == 0, built.stderr[-3000:]
    for platform, machine in (("linux_amd64", "x86-64"), ("linux_arm64", "aarch64")):
        info = elf_info((tmp_path / "dist" / platform / "go-httpbin").read_bytes())
        assert (info.machine, info.static) == (machine, True), platform
