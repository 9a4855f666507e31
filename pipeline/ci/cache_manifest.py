"""What a travelling cache was made for, its key, and whether a found one may seed this run (pure logic).

A cache folder holds `manifest.json` and `cache.oci.tar`, an OCI image of its parts (one zstd layer, written by the
engine's own exporter); the OCI artifact in a registry is the same image. The manifest names the Go
version, the engine's platform, the tool versions and a digest of the go.sum files. Its key names it in a
registry. A cache made for another Go version or platform is left out (its entries could not be used); any other
difference only means fewer hits. Nothing in it can change a verdict: Go verifies module zips against go.sum when
it extracts them, and its build and test caches, like golangci-lint's, are keyed on their inputs.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Final, cast

MANIFEST: Final = "manifest.json"
#: The cache's parts, one folder each, as an OCI image tarball (one zstd-compressed layer) beside the manifest.
TARBALL: Final = "cache.oci.tar"
#: The tarball's sha256 (sha256sum's line): an import that does not match it fills nothing.
CHECKSUM: Final = f"{TARBALL}.sha256"
#: The manifest's format; a cache written in another format is not read (format 1 was a plain tar file).
FORMAT: Final = 2


@dataclass(frozen=True)
class CacheManifest:
    """What a cache was made for."""

    go_version: str
    platform: str
    gosum: str = ""
    tools: dict[str, str] = field(default_factory=dict[str, str])
    format: int = FORMAT

    def key(self) -> str:
        """Return the cache's tag: go<version>-<os>-<arch>-<16 hex digits of everything it was made for>."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]
        return f"{self.line()}-{digest}"

    def line(self) -> str:
        """Return the tag every cache for this Go version and platform shares (the fallback when the key misses)."""
        return f"go{self.go_version}-{self.platform.replace('/', '-')}"

    def to_json(self) -> str:
        """Return the manifest as written beside the cache."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def gosum_digest(*contents: str) -> str:
    """Return the digest of the go.sum files' contents (in the order given)."""
    h = hashlib.sha256()
    for text in contents:
        h.update(text.encode())
        h.update(b"\0")
    return h.hexdigest()


def parse_manifest(text: str) -> CacheManifest | None:
    """Return the manifest a cache carries (of any format: unusable says why another is not read), or None."""
    try:
        data = cast("dict[str, Any]", json.loads(text))
        manifest = CacheManifest(
            go_version=str(data["go_version"]),
            platform=str(data["platform"]),
            gosum=str(data.get("gosum", "")),
            tools={str(k): str(v) for k, v in cast("dict[str, Any]", data.get("tools") or {}).items()},
            format=int(data.get("format", 0)),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return manifest


def unusable(found: CacheManifest | None, want: CacheManifest) -> str:
    """Return why a found cache may not seed this run, or "" when it may."""
    if found is None:
        return "it has no manifest.json this release can read (not a cache that ci or cache-push wrote)"
    if found.format != want.format:
        return f"it is in cache format {found.format}, from another release; this release reads format {want.format}"
    if found.go_version != want.go_version:
        return f"it was made with Go {found.go_version}; this run uses Go {want.go_version}"
    if found.platform != want.platform:
        return f"it was made on {found.platform}; this engine is {want.platform}"
    return ""


def describe(found: CacheManifest, want: CacheManifest) -> str:
    """Return how well a usable cache fits: exact, or what differs (which only costs cache misses)."""
    if found == want:
        return "an exact match"
    changed = [name for name in sorted({*found.tools, *want.tools}) if found.tools.get(name) != want.tools.get(name)]
    notes = (["go.sum changed since"] if found.gosum != want.gosum else []) + [f"{n} version differs" for n in changed]
    return "; ".join(notes) or "made for the same inputs"
