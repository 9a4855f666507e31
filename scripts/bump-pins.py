#!/usr/bin/env python3
"""Refresh the image digests pinned in pipeline/pins.py from their registries: the one way to bump them.

Every image the module pulls by default is pinned as ``tag@sha256:…``. This asks the registry for each tag's
current digest (the index for multi-platform images, via ``skopeo inspect --raw``) and rewrites pins.py in place,
printing what changed. It needs a machine that reaches Docker Hub; on this project's offline machines it says so.

Usage: ``scripts/bump-pins.py [--check]`` (``--check``: exit 1 when a pin is stale, change nothing).
"""

import hashlib
import re
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PINS = Path(__file__).resolve().parent.parent / "pipeline" / "pins.py"
#: `"image:tag@sha256:<hex>"` as pins.py writes them (TRIVY_IMAGE; f-strings included).
_IMAGE_PIN = re.compile(r"(?P<ref>[\w./-]+:(?:\{[A-Z_]+\}|[\w.-]+))@sha256:(?P<hex>[0-9a-f]{64})")
#: `"1.26.8": "sha256:<hex>"` entries of GO_IMAGE_DIGESTS, for golang:<version>-bookworm.
_GO_PIN = re.compile(r'"(?P<version>\d+\.\d+(?:\.\d+)?)": "sha256:(?P<hex>[0-9a-f]{64})"')


def registry_digest(ref: str) -> str:
    """Return the sha256 hex digest of ref's manifest (or index) as the registry serves it now."""
    raw = subprocess.run(["skopeo", "inspect", "--raw", f"docker://{ref}"], capture_output=True, check=False)
    if raw.returncode != 0:
        sys.exit(f"bump-pins: cannot read {ref}: {raw.stderr.decode().strip()}")
    return hashlib.sha256(raw.stdout).hexdigest()


def bump(text: str, values: dict[str, str], resolve: Callable[[str], str]) -> tuple[str, list[str]]:
    """Return pins.py text with every digest replaced by resolve(image:tag), and the list of changes."""
    changes: list[str] = []

    def image(m: re.Match[str]) -> str:
        ref = re.sub(r"\{([A-Z_]+)\}", lambda v: values[v.group(1)], m.group("ref"))
        new = resolve(ref)
        if new != m.group("hex"):
            changes.append(f"{ref}: sha256:{m.group('hex')[:12]} -> sha256:{new[:12]}")
        return f"{m.group('ref')}@sha256:{new}"

    def go(m: re.Match[str]) -> str:
        ref = values["GO_IMAGE"].format(version=m.group("version"))
        new = resolve(ref)
        if new != m.group("hex"):
            changes.append(f"{ref}: sha256:{m.group('hex')[:12]} -> sha256:{new[:12]}")
        return f'"{m.group("version")}": "sha256:{new}"'

    return _GO_PIN.sub(go, _IMAGE_PIN.sub(image, text)), changes


def main() -> None:
    """Rewrite pins.py (or, with --check, only report)."""
    check = "--check" in sys.argv[1:]
    text = PINS.read_text()
    values = {k: str(v) for k, v in runpy.run_path(str(PINS)).items() if k.isupper()}
    new, changes = bump(text, values, registry_digest)
    print("\n".join(changes) or "every pinned digest is current")
    if changes and check:
        sys.exit(1)
    if changes:
        PINS.write_text(new)


if __name__ == "__main__":
    main()
