"""A cache that travels without Dagger Cloud: the Go module, build and test caches, golangci-lint's and Trivy's.

Cache volumes live on the engine's disk, and a hosted runner's engine is new every run. So the caches travel as a
folder (for actions/cache or GitLab's `cache:`) or as one OCI artifact in the user's registry, and fill the cache
volumes of a new engine: an exec of its own copies each part into its volume while that volume is empty (the steps
mount the volumes alone, so their cache keys never change with the cache folder). Both forms are one OCI image of the
parts, packed and compressed (zstd) by the engine itself: the folder holds it as an OCI tarball with its sha256, the
registry as an artifact whose blobs it checks by digest. Import never fails a run: a missing, unreadable or foreign
cache is named in one line and the run goes on cold. Export keeps it bounded: the module zips go.sum needs (Go
verifies each against go.sum when it extracts it), the build and test cache entries and golangci-lint's that a run
used in the last day (Go refreshes an entry's time when it uses it), and Trivy's DB (used only while Trivy deems it
fresh); an output file both Go caches hold travels once, as a hard link.
"""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import anyio
import dagger
from dagger import dag

from pipeline.core.execs import bounded
from pipeline.go.builder import MODULE_FILES, SRC, GoEnv

from .cache_manifest import CHECKSUM, MANIFEST, TARBALL, CacheManifest, describe, parse_manifest, unusable

#: Where the export checksums the tarball.
OUT: Final = "/pipeline-cache"
#: How the engine compresses the parts' layer: zstd packs this repository's app/ caches 3.7 times smaller (954 MB
#: into 245), so the folder is written to the host and uploaded in about a quarter of a plain tar's time.
COMPRESSION: Final = dagger.ImageLayerCompression.Zstd
#: Where the fill mounts an imported cache's parts, the folder holding its tarball and checksum (a folder's cache
#: only), and the volumes it fills (one folder per part).
FILL_DIR: Final = "/pipeline-cache-import"
FILL_SUM: Final = "/pipeline-cache-sum"
FILL_VOLUMES: Final = "/pipeline-cache-volumes"
#: Exit code of the fill when the tarball does not match its checksum (truncated, damaged): every part it was
#: filling is empty again.
UNREADABLE: Final = 3
#: Left in a volume once filled, so that a volume no step writes to (Trivy's, when a DB is given) is filled once.
FILLED: Final = ".pipeline-cache-filled"
#: Set to the time on the exec that lists the empty volumes, so that the answer is never a cached one.
PROBED: Final = "PIPELINE_CACHE_PROBE"
#: Names the parts whose volume is empty: only those are filled, and a warm engine's volumes never make it import
#: a folder's tarball.
EMPTY: Final = f"""for part in "$@"; do [ -n "$(ls -A {FILL_VOLUMES}/$part)" ] || echo "$part"; done"""
#: Copies each part into its volume while the volume is empty (a warm engine's volumes keep their own); a folder's
#: tarball is checked against its checksum while the parts are copied. A tarball that does not match its
#: checksum, or a part that cannot be copied, leaves every part it was filling empty again.
FILL: Final = f"""set -u
V={FILL_VOLUMES}
empty=""
for part in "$@"; do
  if [ -z "$(ls -A "$V/$part")" ]; then empty="$empty $part"; fi
done
[ -n "$empty" ] || exit 0
checksum=""
if [ -f {FILL_SUM}/{CHECKSUM} ]; then
  (cd {FILL_SUM} && sha256sum -c {CHECKSUM} >/dev/null 2>&1) &
  checksum=$!
fi
copied=0
for part in $empty; do cp -a "{FILL_DIR}/$part/." "$V/$part/" 2>/dev/null || copied=1; done
matched=0
if [ -n "$checksum" ]; then wait $checksum; matched=$?; fi
if [ "$matched" -ne 0 ] || [ "$copied" -ne 0 ]; then
  for part in $empty; do rm -rf "$V/$part"/* "$V/$part"/.[!.]* 2>/dev/null; done
  [ "$matched" -eq 0 ] || exit {UNREADABLE}
  echo "cache: the parts$empty were not used (a part could not be copied)" >&2
  exit 0
fi
for part in $empty; do touch "$V/$part/{FILLED}"; done
exit 0
"""
#: The mode of the folder's files, as a `cp` would leave them (the engine writes a tarball 0600).
FOLDER_MODE: Final = 0o644
#: Where the export gathers the parts (and the manifest) before the engine packs them into one image: one file
#: travels faster and surer than thousands (an export of the bare folder stalled here once, mid-copy).
PARTS_DIR: Final = "/pipeline-cache-parts"
#: Where the parts go in the builder while exporting (the volumes the steps used, mounted once more).
LINT_MOUNT: Final = "/cache/golangci-lint"
TEST_MOUNT: Final = "/cache/gotest"
TRIVY_MOUNT: Final = "/cache/trivy"
#: Cache entries a run last used more than this many whole days ago are left out of an export (find -mtime +0:
#: older than a day; busybox's find, in minimal builders, has -mtime and -exec but neither -mmin nor -delete).
KEEP_DAYS: Final = 0
#: Seconds an import may take before the run goes on cold, and the export's checksum before it fails.
IMPORT_SECONDS: Final = 600
EXPORT_SECONDS: Final = 600
#: Copies every part out of the mounted volumes; the module zips are the ones `go mod download` lists for go.sum.
EXPORT: Final = f"""set -u
# Never fails the run: a part that cannot be copied is left out, and says so on stderr.
P={PARTS_DIR}
mkdir -p $P/gomod $P/gobuild $P/gotest $P/golangci-lint $P/trivy
# The module files go.sum needs, then those of the tools installed with `go install PKG@VERSION` (the arguments):
# the tool's module, found by shortening PKG until the cache has its go.mod, and the modules of its build list (go
# list -m -e: from the cache alone, no proxy, no checksum database; what a run downloaded was verified then).
paths() {{ grep -E '"(Zip|Info|GoMod)": ' | sed 's/.*": "\\(.*\\)",*$/\\1/' | sed "s#^$GOMODCACHE/##"; }}
: > /tmp/modules
if [ ! -f vendor/modules.txt ]; then go mod download -json 2>/dev/null | paths >> /tmp/modules; fi
for tool in "$@"; do
  mod=${{tool%@*}} version=${{tool##*@}}
  while [ ! -f "$GOMODCACHE/cache/download/$mod/@v/$version.mod" ] && [ "$mod" != "${{mod%/*}}" ]; do
    mod=${{mod%/*}}
  done
  at="cache/download/$mod/@v/$version"
  [ -f "$GOMODCACHE/$at.mod" ] || continue
  printf '%s\\n' "$at.info" "$at.mod" "$at.zip" >> /tmp/modules
  t=$(mktemp -d) && cp "$GOMODCACHE/$at.mod" "$t/go.mod" && (cd "$t" \\
    && GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod go list -m -e -json all 2>/dev/null | paths \\
    | grep '^cache/download/' | sed 'p; s/\\.mod$/.info/p; s/\\.info$/.zip/' >> /tmp/modules)
  rm -rf "$t"
done
sed -n 's/\\.zip$/.ziphash/p' /tmp/modules > /tmp/ziphashes && cat /tmp/ziphashes >> /tmp/modules
(cd "$GOMODCACHE" && sort -u /tmp/modules | while read -r f; do
  if [ -f "$f" ]; then mkdir -p "$P/gomod/${{f%/*}}" && cp -p "$f" "$P/gomod/$f"; fi
done) || echo "cache: module zips not exported" >&2
cp -a "$GOCACHE/." $P/gobuild/ || echo "cache: Go build cache not exported" >&2
cp -a {TEST_MOUNT}/. $P/gotest/ || echo "cache: test cache not exported" >&2
cp -a {LINT_MOUNT}/. $P/golangci-lint/ || echo "cache: golangci-lint cache not exported" >&2
cp -a {TRIVY_MOUNT}/. $P/trivy/ || echo "cache: Trivy DB not exported" >&2
# Entries no run used for a day stay behind (Go and golangci-lint refresh an entry's time when they use it).
find $P/gobuild $P/gotest $P/golangci-lint -type f -mtime +{KEEP_DAYS} -exec rm -f {{}} + || true
# Go names an output file by its content's hash, and the test user's cache holds many of the build cache's outputs
# byte for byte: the build cache's copy becomes a link to the test user's, so the image carries each once.
(cd $P/gotest && for f in ??/*-d; do [ ! -f "$P/gobuild/$f" ] || ln -f "$f" "$P/gobuild/$f"; done) || true
exit 0
"""


@dataclass(frozen=True)
class Seeds:
    """A found cache's parts, where it came from, and the line that says so (or why no cache is used)."""

    #: The found cache's parts, one folder each (lazy: a folder's tarball is imported when the fill reads it).
    parts: dagger.Directory | None = None
    #: A folder's tarball and its checksum, which the fill checks beside its copy (a registry checks its own blobs).
    checked: dagger.Directory | None = None
    label: str = ""
    note: str = ""


NO_SEEDS: Final = Seeds()


async def _fits(root: dagger.Directory, want: CacheManifest, names: Sequence[str]) -> tuple[CacheManifest | None, str]:
    """Return a found cache's manifest, or why it is not used: no manifest, a foreign one, or a file missing."""
    if not await root.exists(MANIFEST):
        return None, f"no {MANIFEST}"
    found = parse_manifest(await root.file(MANIFEST).contents())
    if reason := unusable(found, want):
        return None, reason
    for name in names:
        if not await root.exists(name):
            return None, f"no {name}"
    return found, ""


async def _candidate(
    label: str, root: dagger.Directory, want: CacheManifest, *, packed: bool
) -> tuple[Seeds | None, str]:
    """Return one found cache's parts if its manifest fits this run, or why it is not used.

    packed: root is a cache folder (manifest, OCI tarball, checksum), else the parts themselves (a pulled artifact).
    """
    try:
        with anyio.fail_after(IMPORT_SECONDS):
            found, reason = await _fits(root, want, (TARBALL, CHECKSUM) if packed else ())
    except TimeoutError:
        return None, f"{label}: not read within {IMPORT_SECONDS}s"
    except dagger.DaggerError as e:
        return None, f"{label}: could not be read ({first_line(e)})"
    if found is None:
        return None, f"{label}: {reason}"
    note = f"cache: seeded from {label} ({describe(found, want)})"
    if not packed:
        return Seeds(root, None, label, note), ""
    parts = dag.container().import_(root.file(TARBALL)).rootfs()
    return Seeds(parts, root.filter(include=[TARBALL, CHECKSUM]), label, note), ""


async def import_seeds(
    want: CacheManifest,
    folder: dagger.Directory | None,
    image: str,
    login: tuple[str, dagger.Secret | None],
) -> Seeds:
    """Return the first usable cache: the folder, else image:<key>, else image:<go version line>."""
    candidates: list[tuple[str, dagger.Directory, bool]] = []
    if folder is not None:
        candidates.append(("the cache folder", folder, True))
    for tag in (want.key(), want.line()) if image else ():
        ctr = dag.container()
        username, password = login
        if username and password is not None:
            ctr = ctr.with_registry_auth(image, username, password)
        candidates.append((f"{image}:{tag}", ctr.from_(f"{image}:{tag}").rootfs(), False))
    reasons: list[str] = []
    for label, root, packed in candidates:
        seeds, reason = await _candidate(label, root, want, packed=packed)
        if seeds is not None:
            return seeds
        reasons.append(reason)
    return Seeds(note=f"cache: not used, the run is cold: {'; '.join(reasons)}") if reasons else NO_SEEDS


async def fill(env: GoEnv, seeds: Seeds, volumes: Mapping[str, dagger.CacheVolume]) -> str:
    """Copy each part of the found cache into its volume while the volume is empty; return "" or why not.

    volumes: every part's volume, by part, as the steps mount it.
    """
    if seeds.parts is None:
        return ""
    cold = "cache: not used, the run is cold"
    try:
        with anyio.fail_after(IMPORT_SECONDS):
            code = await _fill_empty(env, seeds.parts, seeds.checked, volumes)
    except TimeoutError:
        return f"{cold}: {seeds.label}: not unpacked within {IMPORT_SECONDS}s"
    except dagger.DaggerError as e:
        return f"{cold}: {seeds.label}: not unpacked, truncated or damaged ({first_line(e)})"
    if code == UNREADABLE:
        return f"{cold}: {seeds.label}: {TARBALL} does not match {CHECKSUM} (truncated or damaged)"
    if code:
        return f"{cold}: {seeds.label}: not unpacked (exit code {code})"
    return ""


async def _fill_empty(
    env: GoEnv,
    parts: dagger.Directory,
    checked: dagger.Directory | None,
    volumes: Mapping[str, dagger.CacheVolume],
) -> int:
    """Fill the volumes that are empty from the found cache; return the fill's exit code (0: none was empty)."""
    ctr = dag.container().from_(env.image)
    for part, vol in volumes.items():
        ctr = ctr.with_mounted_cache(f"{FILL_VOLUMES}/{part}", vol)
    # The volumes as they are now (never a cached answer), asked without the parts: asking imports nothing.
    probe = env.exec(ctr.with_env_variable(PROBED, str(time.time_ns())), ["sh", "-c", EMPTY, "empty", *volumes])
    empty = (await probe.stdout()).split()
    if not empty:
        return 0
    ctr = ctr.with_mounted_directory(FILL_DIR, parts)
    if checked is not None:
        ctr = ctr.with_mounted_directory(FILL_SUM, checked)
    return await env.exec(ctr, ["sh", "-c", FILL, "fill", *empty], expect=dagger.ReturnType.ANY).exit_code()


def first_line(e: BaseException) -> str:
    """Return an error's first line (or its type, when it has no text)."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def export_image(
    env: GoEnv,
    source: dagger.Directory,
    manifest: CacheManifest,
    volumes: Mapping[str, dagger.CacheVolume],
    tools: Sequence[str] = (),
) -> dagger.Container:
    """Return the image of the volumes the steps used: the parts and the manifest (lazy: copied when read).

    volumes: the cache volumes beside Go's own, by part (golangci-lint, gotest, trivy).
    tools: the tools the steps install (PKG@VERSION), whose modules travel with go.sum's: a new engine links them
    from the imported build cache without downloading a module.
    """
    ctr = (
        env.container()
        .with_mounted_cache(LINT_MOUNT, volumes["golangci-lint"])
        .with_mounted_cache(TEST_MOUNT, volumes["gotest"])
        .with_mounted_cache(TRIVY_MOUNT, volumes["trivy"])
        .with_mounted_directory(SRC, source.filter(include=MODULE_FILES))
        .with_workdir(SRC)
        .with_env_variable("GOFLAGS", "-mod=mod")
        .with_env_variable("PIPELINE_CACHE_EXPORT", str(time.time_ns()))  # the volumes' content now, not a copy
        .with_new_file(f"{PARTS_DIR}/{MANIFEST}", manifest.to_json())
    )
    parts = env.exec(ctr, ["sh", "-c", EXPORT, "export", *tools]).directory(PARTS_DIR)
    return dag.container().with_directory("/", parts)


@dataclass(frozen=True)
class Packing:
    """What a cache folder is made from, all lazy: the parts' image, its manifest, the container that checksums it."""

    image: dagger.Container
    manifest: str
    summer: dagger.Container

    def folder(self) -> dagger.Directory:
        """Return the cache folder: the manifest, the image as an OCI tarball (zstd), and its sha256.

        The engine packs the image when this is called (Container.asTarball is not lazy): call it only for a folder
        that will be written.
        """
        tarball = self.image.as_tarball(forced_compression=COMPRESSION)
        argv = bounded(["sh", "-c", f"sha256sum {TARBALL} > {CHECKSUM}"], EXPORT_SECONDS)
        summed = self.summer.with_mounted_file(f"{OUT}/{TARBALL}", tarball).with_exec(argv).file(f"{OUT}/{CHECKSUM}")
        return (
            dag.directory()
            .with_new_file(MANIFEST, self.manifest)
            .with_file(TARBALL, tarball, permissions=FOLDER_MODE)
            .with_file(CHECKSUM, summed, permissions=FOLDER_MODE)
        )


def checksummer(env: GoEnv) -> dagger.Container:
    """Return the container the export checksums the tarball in (the builder: sha256sum is in every one)."""
    return dag.container().from_(env.image).with_workdir(OUT)
