"""A cache that travels without Dagger Cloud: the Go module, build and test caches, golangci-lint's and Trivy's.

Cache volumes live on the engine's disk, and a hosted runner's engine is new every run. So the caches travel as a
folder (for actions/cache or GitLab's `cache:`) or as one OCI artifact in the user's registry, and seed the cache
volumes of a new engine: a volume made with a source starts from it. Import never fails a run: a missing, unreadable
or foreign cache is named in one line and the run goes on cold. Export keeps it bounded: the module zips go.sum needs
(Go verifies each against go.sum when it extracts it), the build and test cache entries and golangci-lint's that a
run used in the last day (Go refreshes an entry's time when it uses it), and Trivy's DB (used only while Trivy deems
it fresh).
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import anyio
import dagger
from dagger import dag

from pipeline.go.builder import MODULE_FILES, SRC, GoEnv

from .cache_manifest import MANIFEST, PARTS, TARBALL, CacheManifest, describe, parse_manifest, unusable

OUT: Final = "/pipeline-cache"
#: Where the export gathers the parts before it packs them into one tarball (one file travels faster and surer
#: than thousands: an export of the bare folder stalled here once, mid-copy).
PARTS_DIR: Final = "/pipeline-cache-parts"
#: Where an import unpacks the tarball.
SEEDS_DIR: Final = "/pipeline-cache-seeds"
#: Where the parts go in the builder while exporting (the volumes the steps used, mounted once more).
LINT_MOUNT: Final = "/cache/golangci-lint"
TEST_MOUNT: Final = "/cache/gotest"
TRIVY_MOUNT: Final = "/cache/trivy"
#: Cache entries a run last used more than this many whole days ago are left out of an export (find -mtime +0:
#: older than a day; busybox's find, in minimal builders, has -mtime and -exec but neither -mmin nor -delete).
KEEP_DAYS: Final = 0
#: Seconds an import may take before the run goes on cold.
IMPORT_SECONDS: Final = 600
#: Copies every part out of the mounted volumes; the module zips are the ones `go mod download` lists for go.sum.
EXPORT: Final = f"""set -u
# Never fails the run: a part that cannot be copied is left out, and says so on stderr.
P={PARTS_DIR}
mkdir -p $P/gomod $P/gobuild $P/gotest $P/golangci-lint $P/trivy
if [ ! -f vendor/modules.txt ]; then
  go mod download -json 2>/dev/null | grep -E '"(Zip|Info|GoMod)": ' | sed 's/.*": "\\(.*\\)",*$/\\1/' \\
    | sed "s#^$GOMODCACHE/##" > /tmp/modules
  sed -n 's/\\.zip$/.ziphash/p' /tmp/modules > /tmp/ziphashes && cat /tmp/ziphashes >> /tmp/modules
  (cd "$GOMODCACHE" && while read -r f; do
    if [ -f "$f" ]; then mkdir -p "$P/gomod/${{f%/*}}" && cp -p "$f" "$P/gomod/$f"; fi
  done < /tmp/modules) || echo "cache: module zips not exported" >&2
fi
cp -a "$GOCACHE/." $P/gobuild/ || echo "cache: Go build cache not exported" >&2
cp -a {TEST_MOUNT}/. $P/gotest/ || echo "cache: test cache not exported" >&2
cp -a {LINT_MOUNT}/. $P/golangci-lint/ || echo "cache: golangci-lint cache not exported" >&2
cp -a {TRIVY_MOUNT}/. $P/trivy/ || echo "cache: Trivy DB not exported" >&2
# Entries no run used for a day stay behind (Go and golangci-lint refresh an entry's time when they use it).
find $P/gobuild $P/gotest $P/golangci-lint -type f -mtime +{KEEP_DAYS} -exec rm -f {{}} + || true
tar -cf {OUT}/{TARBALL} -C $P . || {{ echo "cache: could not pack the cache" >&2; rm -f {OUT}/{TARBALL}; }}
exit 0
"""


@dataclass(frozen=True)
class Seeds:
    """The first content of each cache volume, by part, and the line that says where it came from (or why not)."""

    parts: Mapping[str, dagger.Directory] = field(default_factory=dict[str, dagger.Directory])
    note: str = ""

    def get(self, part: str) -> dagger.Directory | None:
        """Return a part's seed, or None."""
        return self.parts.get(part)


NO_SEEDS: Final = Seeds()


async def _candidate(env: GoEnv, label: str, root: dagger.Directory, want: CacheManifest) -> tuple[Seeds | None, str]:
    """Return the seeds of one found cache (its tarball unpacked in the builder), or why it is not used."""
    try:
        with anyio.fail_after(IMPORT_SECONDS):
            if not await root.exists(MANIFEST):
                return None, f"{label}: no {MANIFEST}"
            found = parse_manifest(await root.file(MANIFEST).contents())
            reason = unusable(found, want)
            if reason or found is None:
                return None, f"{label}: {reason}"
            if not await root.exists(TARBALL):
                return None, f"{label}: no {TARBALL}"
            tarball = f"/tmp/{TARBALL}"  # noqa: S108 (the builder's own /tmp)
            unpack = ["sh", "-c", f"mkdir -p {SEEDS_DIR} && tar -xf {tarball} -C {SEEDS_DIR}"]
            seeds = env.exec(dag.container().from_(env.image).with_file(tarball, root.file(TARBALL)), unpack)
            present = {e.rstrip("/") for e in await seeds.directory(SEEDS_DIR).entries()}
            parts = {p: seeds.directory(f"{SEEDS_DIR}/{p}") for p in PARTS if p in present}
    except TimeoutError:
        return None, f"{label}: not read within {IMPORT_SECONDS}s"
    except dagger.DaggerError as e:
        return None, f"{label}: could not be read ({str(e).strip().splitlines()[0] if str(e).strip() else e})"
    return Seeds(parts, f"cache: seeded from {label} ({describe(found, want)})"), ""


async def import_seeds(
    env: GoEnv,
    want: CacheManifest,
    folder: dagger.Directory | None,
    image: str,
    login: tuple[str, dagger.Secret | None],
) -> Seeds:
    """Return the seeds of the first usable cache: the folder, else image:<key>, else image:<go version line>.

    env: the builder (without seeds) that unpacks a cache's tarball.
    """
    candidates: list[tuple[str, dagger.Directory]] = []
    if folder is not None:
        candidates.append(("the cache folder", folder))
    for tag in (want.key(), want.line()) if image else ():
        ctr = dag.container()
        username, password = login
        if username and password is not None:
            ctr = ctr.with_registry_auth(image, username, password)
        candidates.append((f"{image}:{tag}", ctr.from_(f"{image}:{tag}").directory(OUT)))
    reasons: list[str] = []
    for label, root in candidates:
        seeds, reason = await _candidate(env, label, root, want)
        if seeds is not None:
            return seeds
        reasons.append(reason)
    return Seeds(note=f"cache: not used, the run is cold: {'; '.join(reasons)}") if reasons else NO_SEEDS


def export_dir(
    env: GoEnv, source: dagger.Directory, manifest: CacheManifest, volumes: Mapping[str, dagger.CacheVolume]
) -> dagger.Directory:
    """Return the cache folder of the volumes the steps used (lazy: copied when exported, never from cache).

    volumes: the cache volumes beside Go's own, by part (golangci-lint, gotest, trivy).
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
        .with_new_file(f"{OUT}/{MANIFEST}", manifest.to_json())
    )
    return env.exec(ctr, ["sh", "-c", EXPORT]).directory(OUT)  # manifest.json and the tarball


def image_of(cache: dagger.Directory) -> dagger.Container:
    """Return the cache folder as a one-layer OCI image (what cache-push publishes)."""
    return dag.container().with_directory(OUT, cache)
