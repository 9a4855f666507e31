"""Real open-source Go services from the Go module proxy (harness_pins.REAL_SERVICES), as writable source trees.

The host's `go mod download` fetches each module zip into a module cache under PIPELINE_CACHE (kept between
runs); a copy with write permission is what the pipeline gets, as a user's checkout would be.
"""

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import cast

from pipeline.go.builder_modfiles import GoMod
from tests.conftest import cache_dir

#: `go mod download` of one service: a few MB; the proxy answers in seconds.
DOWNLOAD_TIMEOUT = 300


def short_name(ref: str) -> str:
    """The service's name in reports, as `go build` would name its binary (go-httpbin, not v2)."""
    return GoMod(module=ref.split("@", 1)[0], go="").name


def download(ref: str, dest: Path) -> Path:
    """Download module@version and copy it, writable, to dest; return dest. Raise with Go's message on failure."""
    cache = cache_dir() / "realworld" / "modcache"
    env = {**os.environ, "GOMODCACHE": str(cache), "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    res = subprocess.run(
        ["go", "mod", "download", "-json", ref],
        capture_output=True,
        text=True,
        env=env,
        timeout=DOWNLOAD_TIMEOUT,
        check=False,
        cwd="/",
    )
    info = cast("dict[str, str]", json.loads(res.stdout)) if res.stdout.strip() else {}
    if res.returncode != 0 or "Dir" not in info:
        msg = f"go mod download {ref} failed: {info.get('Error') or res.stderr.strip()}"
        raise RuntimeError(msg)
    shutil.copytree(info["Dir"], dest)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return dest
