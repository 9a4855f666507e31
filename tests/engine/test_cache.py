"""The cache that travels: ci's cache folder (and cache-push's OCI artifact) seed the volumes of a new engine.

A new engine is stood in for by cache volumes of a namespace no run has used (--cache-namespace): they start
empty, as a hosted runner's do. A cache made by one run seeds them: `go test` then answers from Go's test cache,
though nothing ran in that namespace before. A foreign or broken cache is named in one line and the run is cold.
"""

import json
import os
import shutil
import tarfile
import uuid
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline, resolved
from pipeline.ci.cache_manifest import parse_manifest
from tests.conftest import ROOT
from tests.engine.conftest import source

# A cold ci on app/ in a fresh namespace (every cache empty), then the runs it seeds.
pytestmark = pytest.mark.timeout(2400)


def fresh(go_image: str, **kwargs: object) -> Pipeline:
    """The pipeline on app/ with cache volumes no run has used: a new engine's, as far as caches go."""
    namespace = f"fresh-{uuid.uuid4().hex[:8]}"
    return Pipeline(source=source(ROOT / "app"), go_image=go_image, cache_namespace=namespace, **kwargs)  # pyright: ignore[reportArgumentType]


@pytest.fixture(scope="module")
async def cache_folder(
    go_image: str, trivy_db: dagger.Directory, trivy_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The cache folder one ci run on app/ writes, exported as a CI job does before actions/cache saves it."""
    one = ["linux/amd64"]  # one platform: half the cold work, the same caches
    report = await fresh(go_image, trivy_db=trivy_db, trivy_image=trivy_image, platforms=one).ci()
    report.check()
    assert report.cache is not None
    out = tmp_path_factory.mktemp("cache") / "pipeline-cache"
    await report.cache.export(str(out))
    return out


def test_the_folder_holds_a_manifest_and_one_tarball_of_each_part(cache_folder: Path) -> None:
    manifest = parse_manifest((cache_folder / "manifest.json").read_text())
    assert manifest is not None
    assert manifest.go_version == "1.26.8"
    assert manifest.tools["golangci-lint"] == "2.15.0"
    assert sorted(p.name for p in cache_folder.iterdir()) == ["cache.tar", "cache.tar.sha256", "manifest.json"]
    with tarfile.open(cache_folder / "cache.tar") as tar:
        names = tar.getnames()
    assert {n.split("/")[1] for n in names if n.count("/") >= 1} >= {"gomod", "gobuild", "gotest", "golangci-lint"}
    assert any(n.startswith("./gomod/cache/download/") and n.endswith(".zip") for n in names), "no module zip"
    assert any(n.startswith("./gotest/") and n.endswith("-d") for n in names), "no test cache entry"


async def test_a_new_engine_seeded_from_the_folder_answers_from_gos_test_cache(
    cache_folder: Path, go_image: str
) -> None:
    report = await fresh(go_image, cache_from=dag.host().directory(str(cache_folder))).test()
    assert report.ok
    assert "package(s) from Go's test cache" in report.summary, report.summary


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


async def test_without_the_cache_the_same_run_is_cold(go_image: str) -> None:
    report = await fresh(go_image).test()
    assert report.ok
    assert "from Go's test cache" not in report.summary


async def test_a_cache_from_another_go_version_is_named_and_the_run_goes_on_cold(
    cache_folder: Path, go_image: str, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    manifest = json.loads((cache_folder / "manifest.json").read_text())
    foreign = (
        dag.host()
        .directory(str(cache_folder))
        .with_new_file("manifest.json", json.dumps({**manifest, "go_version": "1.25.0"}))
    )
    p = fresh(go_image, cache_from=foreign, trivy_db=trivy_db, trivy_image=trivy_image, platforms=["linux/amd64"])
    report = await p.ci()
    report.check()  # the verdict is the same
    assert (
        "cache: not used, the run is cold: the cache folder: it was made with Go 1.25.0; this run uses Go 1.26.8"
        in report.summary.splitlines()
    )
    broken = dag.directory().with_new_file("manifest.json", "{not json")
    tested = await fresh(go_image, cache_from=broken).test()
    assert tested.ok
    assert "from Go's test cache" not in tested.summary


async def test_a_truncated_cache_fills_nothing_and_the_run_goes_on_cold(
    cache_folder: Path, go_image: str, tmp_path: Path
) -> None:
    for name in ("manifest.json", "cache.tar.sha256"):
        shutil.copy(cache_folder / name, tmp_path / name)
    tarball = (cache_folder / "cache.tar").read_bytes()
    (tmp_path / "cache.tar").write_bytes(tarball[: len(tarball) // 2])
    p = fresh(go_image, cache_from=dag.host().directory(str(tmp_path)))
    env = await resolved.go_env(p)
    expected = "the cache folder: cache.tar does not match cache.tar.sha256 (truncated or damaged)"
    assert env.cache_note == f"cache: not used, the run is cold: {expected}"
    volumes = resolved.volumes(env)
    listing = dag.container().from_(go_image)
    for part in ("gomod", "gobuild", "gotest", "golangci-lint"):
        listing = listing.with_mounted_cache(f"/v/{part}", volumes[part])
    assert await listing.with_exec(["find", "/v", "-mindepth", "2"]).stdout() == "", "a truncated cache filled a volume"


async def test_cache_push_then_a_new_engine_pulls_it_by_key(
    go_image: str, creds: tuple[str, str], registry_password: dagger.Secret
) -> None:
    user, password = creds[0], registry_password
    repo = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/cache-{uuid.uuid4().hex[:8]}"
    warm = fresh(go_image)
    await warm.test()  # fills this namespace's caches
    refs = await warm.cache_push(address=repo, username=user, password=password)
    assert len(refs) == 2
    assert all("@sha256:" in r for r in refs)
    seeded = fresh(go_image, cache_image=repo, cache_username=user, cache_password=password)
    report = await seeded.test()
    assert "package(s) from Go's test cache" in report.summary, report.summary
    missing = fresh(go_image, cache_image=f"{repo}-absent", cache_username=user, cache_password=password)
    assert (await missing.test()).ok  # nothing to pull: cold, and still green
