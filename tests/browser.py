"""Headless Chromium (Debian's package, scripts/chromium.sh) for tests that look at a page as a person would.

`rendered` returns the DOM after the page's scripts ran, with the scripts themselves left out: what is left is
what the page shows, not the data it carries. `screenshot` writes a PNG for a person to look at.
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import in_ci

#: Root needs --no-sandbox; the rest keeps Chromium off the network (this machine reaches no Google host).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=5000",
]
TIMEOUT = 120
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def chromium() -> str:
    """Return the browser's path; fail in CI (scripts/chromium.sh installs it), skip elsewhere."""
    path = shutil.which("chromium")
    if path is None:
        msg = "chromium is not installed: run scripts/chromium.sh"
        if in_ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return path


def _run(url: str, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        res = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert res.returncode == 0, f"chromium {url}: exit {res.returncode}\n{res.stderr[-2000:]}"
    return res.stdout


#: The window both functions use: a laptop screen (pprof's flame graph fits its labels to the boxes' width).
SIZE = (1400, 900)


def rendered(url: str, size: tuple[int, int] = SIZE) -> str:
    """Return the page's DOM after its scripts ran, without the <script> elements."""
    return _SCRIPT.sub("", _run(url, f"--window-size={size[0]},{size[1]}", "--dump-dom"))


def screenshot(url: str, png: Path, size: tuple[int, int] = SIZE) -> Path:
    """Write a screenshot of the page to png and return its path."""
    _run(url, f"--window-size={size[0]},{size[1]}", f"--screenshot={png}")
    assert png.stat().st_size > 10_000, f"{png} is nearly empty"
    return png
