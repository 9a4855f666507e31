"""SLSA provenance v1 for a published image, image references, and an OCI index's platforms (pure logic).

The provenance names what went into the build: the source (repository and commit), the build's parameters and
`go build` flags, the builder and runtime base images by digest, and every Go module in go.sum as a resolved
dependency (its go.sum hash as the in-toto `dirHash` digest: Go's Hash1 in hex, without the "h1:" prefix).
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

from pipeline import pins
from pipeline.core.errors import UsageError

#: SLSA provenance v1 predicate type, and this module's build type (what externalParameters mean).
PREDICATE_TYPE: Final = "https://slsa.dev/provenance/v1"
BUILD_TYPE: Final = "urn:pipeline:go-build:v1"
#: The builder id when the caller names none: the Dagger module doing the build.
DEFAULT_BUILDER_ID: Final = "urn:pipeline:dagger-module"

_DIGEST: Final = re.compile(r"^sha256:[0-9a-f]{64}$")
_GOSUM: Final = re.compile(r"^(?P<module>\S+) (?P<version>\S+?)(?P<gomod>/go\.mod)? h1:(?P<hash>\S+)$")


@dataclass(frozen=True)
class ImageRef:
    """An image reference split up: repository, optional tag, optional digest."""

    repository: str
    tag: str = ""
    digest: str = ""

    def by_digest(self) -> str:
        """Return repository@sha256:…."""
        return f"{self.repository}@{self.digest}"

    def __str__(self) -> str:
        """Render the reference: repository[:tag][@digest]."""
        return self.repository + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")


def parse_ref(ref: str, what: str) -> ImageRef:
    """Parse repository[:tag][@sha256:…] (publish's output is repository:tag@sha256:…); raise UsageError if neither."""
    name, _, digest = ref.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        msg = f"{what}: {digest!r} in {ref!r} is not a sha256 digest (sha256: and 64 hex digits)"
        raise UsageError(msg)
    repo, tag = name, ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
    if not repo or ("/" not in repo and not tag and not digest):
        msg = f"{what}: {ref!r} is not an image reference such as ghcr.io/acme/hello:1.2.3@sha256:…"
        raise UsageError(msg)
    if not tag and not digest:
        msg = f"{what}: {ref!r} names no tag or digest; give publish's output, repository:tag@sha256:…"
        raise UsageError(msg)
    return ImageRef(repository=repo, tag=tag, digest=digest)


@dataclass(frozen=True)
class PlatformManifest:
    """One platform's manifest in an image index."""

    platform: str  # os/arch[/variant]
    digest: str


def index_manifests(index_json: str) -> list[PlatformManifest]:
    """Return the platform manifests of an image index (attestation manifests left out); [] for a single image."""
    index = cast("dict[str, Any]", json.loads(index_json))
    if "config" in index and "layers" in index:
        return []
    if "manifests" not in index:
        msg = "neither an image index nor an image manifest"
        raise ValueError(msg)
    out: list[PlatformManifest] = []
    for m in cast("list[dict[str, Any]]", index["manifests"]):
        p = cast("dict[str, str]", m.get("platform") or {})
        if not p or p.get("os") == "unknown":
            continue
        platform = "/".join(x for x in (p.get("os", ""), p.get("architecture", ""), p.get("variant", "")) if x)
        out.append(PlatformManifest(platform=platform, digest=str(m["digest"])))
    return out


@dataclass(frozen=True)
class Module:
    """A module go.sum pins, with the hash of its content."""

    path: str
    version: str
    h1: str  # base64, as in go.sum

    def descriptor(self) -> dict[str, Any]:
        """Return an in-toto ResourceDescriptor: the module's package URL and its dirHash digest."""
        return {
            "uri": f"pkg:golang/{self.path}@{self.version}",
            "digest": {"dirHash": base64.b64decode(self.h1).hex()},
            "name": self.path,
        }


def gosum_modules(text: str) -> list[Module]:
    """Return the modules whose content go.sum pins (lines for a go.mod file alone are left out), sorted."""
    found: dict[tuple[str, str], Module] = {}
    for line in text.splitlines():
        m = _GOSUM.match(line.strip())
        if m is None or m["gomod"]:
            continue
        try:
            base64.b64decode(m["hash"], validate=True)
        except binascii.Error:
            continue
        found[m["module"], m["version"]] = Module(m["module"], m["version"], m["hash"])
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True, kw_only=True)
class BuildFacts:
    """What the provenance records about one build."""

    builder_id: str = DEFAULT_BUILDER_ID
    source_uri: str = ""
    commit: str = ""
    version: str
    platforms: Sequence[str]
    parameters: Mapping[str, object] = field(default_factory=dict[str, object])
    go_build: Sequence[str] = ()
    go_version: str = ""
    builder_image: str = ""  # repository[:tag]@sha256:…
    base_image: str = ""  # empty: assembled from scratch
    modules: Sequence[Module] = ()
    builder_version: Mapping[str, str] = field(default_factory=dict[str, str])
    started: str = ""  # RFC 3339
    finished: str = ""


def _image_descriptor(ref: str, role: str) -> dict[str, Any]:
    name, _, digest = ref.partition("@")
    desc: dict[str, Any] = {"uri": f"oci://{name}", "name": role}
    if digest:
        algorithm, _, value = digest.partition(":")
        desc["digest"] = {algorithm: value}
    return desc


def predicate(facts: BuildFacts) -> dict[str, Any]:
    """Return the SLSA provenance v1 predicate (buildDefinition and runDetails) for facts."""
    deps: list[dict[str, Any]] = []
    if facts.source_uri or facts.commit:
        source: dict[str, Any] = {"uri": facts.source_uri or "source", "name": "source"}
        if facts.commit:
            source["digest"] = {"gitCommit": facts.commit}
        deps.append(source)
    if facts.builder_image:
        deps.append(_image_descriptor(facts.builder_image, "builder-image"))
    if facts.base_image:
        deps.append(_image_descriptor(facts.base_image, "base-image"))
    deps += [m.descriptor() for m in facts.modules]
    external: dict[str, Any] = {
        "source": {"uri": facts.source_uri, "commit": facts.commit},
        "version": facts.version,
        "platforms": list(facts.platforms),
        **dict(facts.parameters),
    }
    internal: dict[str, Any] = {
        "goVersion": facts.go_version,
        "goBuild": list(facts.go_build),
        "builderImage": facts.builder_image,
        "baseImage": facts.base_image or f"scratch (assembled: CA bundle, zoneinfo, passwd for uid {pins.RUNTIME_UID})",
    }
    metadata: dict[str, Any] = {}
    if facts.started:
        metadata["startedOn"] = facts.started
    if facts.finished:
        metadata["finishedOn"] = facts.finished
    run: dict[str, Any] = {"builder": {"id": facts.builder_id, "version": dict(facts.builder_version)}}
    if metadata:
        run["metadata"] = metadata
    return {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": external,
            "internalParameters": internal,
            "resolvedDependencies": deps,
        },
        "runDetails": run,
    }
