"""Native `go test -json` on the host, as the comparison the engine tests and `make realworld` draw.

`outcomes` maps each test (package.Test) to its final action. `native_as_user` runs the tests as the pipeline does:
as an unprivileged user (the runtime uid) owning a copy of the source, with empty Go caches of its own, after the
same preparation commands — so that a difference between the two is the pipeline's, not the host's.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline import pins


def outcomes(events: str) -> dict[str, str]:
    """Map package.Test to its final action (pass, fail, skip) from `go test -json` lines."""
    found: dict[str, str] = {}
    for line in events.splitlines():
        if not line.startswith("{"):
            continue
        ev = json.loads(line)
        if ev.get("Test") and ev.get("Action") in {"pass", "fail", "skip"}:
            found[f"{ev['Package']}.{ev['Test']}"] = ev["Action"]
    return found


def native(folder: Path, *args: str, packages: tuple[str, ...] = ("./...",)) -> dict[str, str]:
    """Run `go test -json` on the host and return its outcomes (a hung test has no outcome there either)."""
    res = subprocess.run(
        ["go", "test", "-json", "-count=1", *args, *packages], cwd=folder, capture_output=True, text=True, check=False
    )
    return outcomes(res.stdout)


def native_as_user(source: Path, before: tuple[str, ...] = (), timeout: float = 2700) -> dict[str, str]:
    """Run the preparation commands, then `go test -json ./...` as the unprivileged runtime user; its outcomes."""
    uid = str(pins.RUNTIME_UID)
    with tempfile.TemporaryDirectory(prefix="native-") as tmp:
        root = Path(tmp)
        copy = root / "src"
        shutil.copytree(source, copy, symlinks=True)
        for command in before:
            subprocess.run(["sh", "-c", command], cwd=copy, check=True, capture_output=True, timeout=timeout)
        for d in ("home", "gocache", "gomodcache"):
            (root / d).mkdir()
        subprocess.run(["chown", "-R", f"{uid}:{uid}", str(root)], check=True)
        root.chmod(0o755)
        env = {
            "PATH": os.environ["PATH"], "HOME": str(root / "home"), "GOCACHE": str(root / "gocache"),
            "GOMODCACHE": str(root / "gomodcache"), "GOFLAGS": "-modcacherw", "GOTOOLCHAIN": "local",
            "GOPROXY": os.environ.get("GOPROXY", "https://proxy.golang.org,direct"),
        }  # fmt: skip
        argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "go", "test", "-json", "./..."]
        try:
            res = subprocess.run(argv, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            return outcomes(stdout)
        return outcomes(res.stdout)


def differences(pipeline: dict[str, str], host: dict[str, str]) -> list[str]:
    """Name every test whose outcome differs: `pkg.Test: pipeline fail, native pass` (or missing on one side)."""
    return [
        f"{name}: pipeline {pipeline.get(name, 'missing')}, native {host.get(name, 'missing')}"
        for name in sorted(pipeline.keys() | host.keys())
        if pipeline.get(name) != host.get(name)
    ]
