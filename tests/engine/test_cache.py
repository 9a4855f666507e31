"""The cache that travels: ci's cache folder (and cache-push's OCI artifact) seed the volumes of a new engine.

A new engine is stood in for by cache volumes of a namespace no run has used (--cache-namespace): they start
empty, as a hosted runner's do. A cache made by one run seeds them: `go test` then answers from Go's test cache,
though nothing ran in that namespace before. A foreign or broken cache is named in one line and fills no volume:
the run is cold.
"""

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline, resolved
from pipeline.ci.cache_manifest import CHECKSUM, MANIFEST, TARBALL, parse_manifest
from pipeline.core.errors import UsageError
from pipeline.core.tasks import gather
from pipeline.go.builder import COMPILE_FLAGS, GoEnv
from pipeline.go.testing import TEST_TOOLS
from tests.conftest import ROOT
from tests.engine.conftest import source
from tests.oci import layer_media_types

# A cold ci on app/ in a fresh namespace (every cache empty), then the runs it seeds.
pytestmark = pytest.mark.timeout(2400)


def fresh(go_image: str, namespace: str = "", **kwargs: object) -> Pipeline:
    """The pipeline on app/ with cache volumes no run has used: a new engine's, as far as caches go."""
    namespace = namespace or f"fresh-{uuid.uuid4().hex[:8]}"
    return Pipeline(source=source(ROOT / "app"), go_image=go_image, cache_namespace=namespace, **kwargs)  # pyright: ignore[reportArgumentType]


async def filled_volumes(env: GoEnv, go_image: str) -> str:
    """List what the volumes a cache fills hold (Go's module, build and test caches, golangci-lint's)."""
    volumes = resolved.volumes(env)
    listing = dag.container().from_(go_image)
    for part in ("gomod", "gobuild", "gotest", "golangci-lint"):
        listing = listing.with_mounted_cache(f"/v/{part}", volumes[part])
    return await listing.with_exec(["find", "/v", "-mindepth", "2"]).stdout()


@dataclass(frozen=True)
class Made:
    """A cache folder, and the namespace whose volumes it was made from."""

    folder: Path
    namespace: str


@pytest.fixture(scope="module")
async def made(go_image: str, tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The cache folder of a cold run on app/ in a fresh namespace, exported as ci's report does (its cache folder).

    The run is go test and golangci-lint, the steps whose caches travel; ci itself writes the folder in
    tests/module/test_ci_files_run.py.
    """
    namespace = f"fresh-{uuid.uuid4().hex[:8]}"
    p = fresh(go_image, namespace)
    tested, linted = await gather(p.test, p.lint_report)
    assert tested.ok, tested.summary
    assert linted.ok, linted.summary
    out = tmp_path_factory.mktemp("cache") / "pipeline-cache"
    await (await resolved.cache_packing(p, await resolved.go_env(p))).folder().export(str(out))
    return Made(out, namespace)


@pytest.fixture(scope="module")
def cache_folder(made: Made) -> Path:
    return made.folder


async def test_the_folder_holds_a_manifest_and_one_zstd_image_of_the_parts(cache_folder: Path, go_image: str) -> None:
    manifest = parse_manifest((cache_folder / MANIFEST).read_text())
    assert manifest is not None
    assert manifest.go_version == "1.26.8"
    assert manifest.tools["golangci-lint"] == "2.15.0"
    assert sorted(p.name for p in cache_folder.iterdir()) == [TARBALL, CHECKSUM, MANIFEST]
    # Readable by any user, as a cp would leave them (a CI cache step or another account reads them).
    assert {p.name: p.stat().st_mode & 0o777 for p in cache_folder.iterdir()} == dict.fromkeys(
        (TARBALL, CHECKSUM, MANIFEST), 0o644
    )
    assert (cache_folder / CHECKSUM).read_text().split() == [
        hashlib.sha256((cache_folder / TARBALL).read_bytes()).hexdigest(),
        TARBALL,
    ]
    assert layer_media_types(cache_folder / TARBALL) == ["application/vnd.oci.image.layer.v1.tar+zstd"]
    parts = dag.container().import_(dag.host().directory(str(cache_folder)).file(TARBALL)).rootfs()
    assert {"gomod/", "gobuild/", "gotest/", "golangci-lint/", "trivy/", MANIFEST} <= set(await parts.entries())
    assert await parts.glob("gomod/cache/download/**/*.zip"), "no module zip"
    assert await parts.glob("gotest/**/*-d"), "no test cache entry"
    # The test cache keeps the owner the tests run as (the builder's nonroot user), so they can write to it.
    owner = dag.container().from_(go_image).with_mounted_directory("/parts", parts)
    assert (await owner.with_exec(["stat", "-c", "%u:%g", "/parts/gotest"]).stdout()).strip() == "65532:65532"
    # An output both Go caches hold travels once: the build cache's name is a link to the test user's file.
    count = (
        "cd /parts/gotest && linked=0 apart=0; for f in ??/*-d; do [ -f /parts/gobuild/$f ] || continue;"
        ' if [ "$(stat -c %i $f)" = "$(stat -c %i /parts/gobuild/$f)" ]; then linked=$((linked+1));'
        " else apart=$((apart+1)); fi; done; echo $linked $apart"
    )
    linked, apart = map(int, (await owner.with_exec(["sh", "-c", count]).stdout()).split())
    assert linked > 0, "no output of the test user's cache is in the build cache: nothing to link"
    assert apart == 0, f"{apart} outputs travel twice"


async def test_a_new_engine_seeded_from_the_folder_answers_from_gos_test_cache(
    cache_folder: Path, go_image: str
) -> None:
    report = await fresh(go_image, cache_from=dag.host().directory(str(cache_folder))).test()
    assert report.ok
    assert "package(s) from Go's test cache" in report.summary, report.summary


async def test_a_new_engine_seeded_from_the_folder_installs_the_test_tools_without_downloading_a_module(
    cache_folder: Path, go_image: str
) -> None:
    """The tools' modules travel with go.sum's: `go install` of gotestsum and gocover-cobertura downloads none."""
    p = fresh(go_image, cache_from=dag.host().directory(str(cache_folder)))
    env = await resolved.go_env(p)
    assert env.cache_note.startswith("cache: seeded from the cache folder"), env.cache_note
    for tool in TEST_TOOLS:
        installed = env.exec(env.container(), ["go", "install", "-x", *COMPILE_FLAGS, tool])
        log = await installed.stderr()
        assert "go: downloading" not in log, log
        assert "/link " in log or "link -o" in log, log  # linked from the imported build cache's compiles


async def test_the_steps_are_the_same_whatever_cache_filled_their_volumes(cache_folder: Path, go_image: str) -> None:
    """A folder that actions/cache restores anew each run must not make a warm engine run every step again."""
    namespace = f"fresh-{uuid.uuid4().hex[:8]}"
    folder = dag.host().directory(str(cache_folder))
    rewritten = folder.with_new_file("manifest.json", (cache_folder / "manifest.json").read_text() + "\n")
    ids: list[str] = []
    for cache_from in (folder, rewritten, None):
        p = Pipeline(source=source(ROOT / "app"), go_image=go_image, cache_namespace=namespace, cache_from=cache_from)
        ids.append(await (await p.deps()).id())
    assert ids[0] == ids[1] == ids[2], "a step's cache key changed with the cache folder"
    report = await Pipeline(
        source=source(ROOT / "app"), go_image=go_image, cache_namespace=namespace, cache_from=rewritten
    ).test()
    assert "package(s) from Go's test cache" in report.summary, report.summary


async def test_an_engine_whose_volumes_are_filled_never_imports_the_folder(
    cache_folder: Path, go_image: str, tmp_path: Path
) -> None:
    """A warm engine (a laptop, a self-hosted runner) asks which volumes are empty first, and imports nothing."""
    namespace = f"fresh-{uuid.uuid4().hex[:8]}"
    seeded = await resolved.go_env(fresh(go_image, namespace, cache_from=dag.host().directory(str(cache_folder))))
    assert seeded.cache_note.startswith("cache: seeded from the cache folder"), seeded.cache_note
    for kept in (MANIFEST, CHECKSUM):
        shutil.copy(cache_folder / kept, tmp_path / kept)
    (tmp_path / TARBALL).write_bytes(b"not an OCI tarball: importing it would fail")
    again = await resolved.go_env(fresh(go_image, namespace, cache_from=dag.host().directory(str(tmp_path))))
    assert again.cache_note == seeded.cache_note


async def test_a_fresh_namespace_starts_with_empty_volumes(go_image: str) -> None:
    """What the seeded runs are measured against: without a cache, a new namespace's volumes hold nothing."""
    assert await filled_volumes(await resolved.go_env(fresh(go_image)), go_image) == ""


async def test_a_foreign_or_broken_cache_is_named_and_fills_nothing(
    cache_folder: Path, go_image: str, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    manifest = json.loads((cache_folder / "manifest.json").read_text())
    foreign = (
        dag.host()
        .directory(str(cache_folder))
        .with_new_file("manifest.json", json.dumps({**manifest, "go_version": "1.25.0"}))
    )
    broken = dag.directory().with_new_file("manifest.json", "{not json")
    other_go = "the cache folder: it was made with Go 1.25.0; this run uses Go 1.26.8"
    unreadable = (
        "the cache folder: it has no manifest.json this release can read (not a cache that ci or cache-push wrote)"
    )
    for given, reason in ((foreign, other_go), (broken, unreadable)):
        env = await resolved.go_env(fresh(go_image, cache_from=given))
        assert env.cache_note == f"cache: not used, the run is cold: {reason}"
        assert await filled_volumes(env, go_image) == "", f"{reason}: the cache filled a volume"
    # ci says so in its summary, and its verdict is the same (the engine's usual namespace: its steps are cached).
    report = await Pipeline(
        source=source(ROOT / "app"), go_image=go_image, cache_from=foreign, trivy_db=trivy_db, trivy_image=trivy_image
    ).ci()
    report.check()
    assert f"cache: not used, the run is cold: {other_go}" in report.summary.splitlines()


async def test_a_truncated_or_damaged_cache_fills_nothing_and_the_run_goes_on_cold(
    cache_folder: Path, go_image: str, tmp_path: Path
) -> None:
    tarball = (cache_folder / TARBALL).read_bytes()
    middle = len(tarball) // 2
    flipped = tarball[:middle] + bytes(b ^ 0xFF for b in tarball[middle : middle + 64]) + tarball[middle + 64 :]
    for name, damaged in (("truncated", tarball[:middle]), ("damaged", flipped)):
        folder = tmp_path / name
        folder.mkdir()
        for kept in (MANIFEST, CHECKSUM):
            shutil.copy(cache_folder / kept, folder / kept)
        (folder / TARBALL).write_bytes(damaged)
        env = await resolved.go_env(fresh(go_image, cache_from=dag.host().directory(str(folder))))
        # Either the engine's import refuses it, or the copy does not match the checksum: cold either way.
        assert env.cache_note.startswith("cache: not used, the run is cold: the cache folder: "), env.cache_note
        assert "truncated or damaged" in env.cache_note, env.cache_note
        assert await filled_volumes(env, go_image) == "", f"a {name} cache filled a volume"


async def test_cache_push_then_a_new_engine_pulls_it_by_key(
    made: Made, go_image: str, creds: tuple[str, str], registry_password: dagger.Secret
) -> None:
    user, password = creds[0], registry_password
    repo = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/cache-{uuid.uuid4().hex[:8]}"
    refs = await fresh(go_image, made.namespace).cache_push(address=repo, username=user, password=password)
    assert len(refs) == 2
    assert all("@sha256:" in r for r in refs)
    seeded = fresh(go_image, cache_image=repo, cache_username=user, cache_password=password)
    report = await seeded.test()
    assert "package(s) from Go's test cache" in report.summary, report.summary
    missing = await resolved.go_env(
        fresh(go_image, cache_image=f"{repo}-absent", cache_username=user, cache_password=password)
    )
    assert missing.cache_note.startswith(f"cache: not used, the run is cold: {repo}-absent:"), missing.cache_note
    assert await filled_volumes(missing, go_image) == "", "nothing to pull, yet a volume was filled"


async def test_a_cache_image_that_is_no_repository_is_a_usage_error_in_module_mode_too(go_image: str) -> None:
    # The CLI refuses it before any session; a function called through the engine says the same, and pulls nothing.
    with pytest.raises(UsageError, match=r"^--cache-image: 'ghcr.io/acme/hello-cache:v1' must not carry a tag"):
        await resolved.go_env(fresh(go_image, cache_image="ghcr.io/acme/hello-cache:v1"))
