"""publish against a real registry with basic auth, inspected with skopeo."""

import json
import os
import re
import uuid
from typing import Any, cast

import anyio
import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from tests.faultproxy import failing_proxy

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def registry() -> str:
    return os.environ["PIPELINE_AUTH_REGISTRY"]


@pytest.fixture
def repo(registry: str) -> str:
    return f"{registry}/pipeline-test/hello-{uuid.uuid4().hex[:8]}"


async def skopeo(creds: tuple[str, str], *args: str) -> Any:
    res = await anyio.run_process(
        ["skopeo", *args[:1], "--tls-verify=false", "--creds", f"{creds[0]}:{creds[1]}", *args[1:]],
        check=False,
    )
    if res.returncode != 0:
        return None
    return json.loads(res.stdout)


async def tags_of(creds: tuple[str, str], repo: str) -> list[str]:
    listed = await skopeo(creds, "list-tags", f"docker://{repo}")
    return sorted(cast("dict[str, list[str]]", listed)["Tags"]) if listed else []


def secret(value: str) -> dagger.Secret:
    return dag.set_secret(f"registry-password-{uuid.uuid4().hex[:6]}", value)


async def test_publish_all_tags_to_one_index(app: Pipeline, repo: str, creds: tuple[str, str]) -> None:
    refs = await app.publish(
        address=repo, version="v1.2.3", commit=SHA, latest=True, username=creds[0], password=secret(creds[1])
    )
    assert await tags_of(creds, repo) == sorted(["1.2.3", "1.2", "1", "latest", SHA[:7]])
    digests = {r.rsplit("@", 1)[1] for r in refs}
    assert len(digests) == 1
    assert [r.split("@")[0] for r in refs] == [f"{repo}:{t}" for t in ["1.2.3", "1.2", "1", "latest", SHA[:7]]]
    digest = digests.pop()
    for tag in ["1.2.3", "1.2", "1", "latest", SHA[:7]]:
        raw = cast("dict[str, Any]", await skopeo(creds, "inspect", "--raw", f"docker://{repo}:{tag}"))
        platforms = sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in raw["manifests"])
        assert platforms == ["linux/amd64", "linux/arm64"]
        inspected = cast("dict[str, Any]", await skopeo(creds, "inspect", f"docker://{repo}:{tag}"))
        assert inspected["Digest"] == digest
    for arch in ["amd64", "arm64"]:
        config = cast(
            "dict[str, Any]",
            await skopeo(creds, "inspect", "--override-arch", arch, "--config", f"docker://{repo}:1.2.3"),
        )
        assert config["architecture"] == arch
        assert config["config"]["User"] == "65532:65532"
        assert config["config"]["Labels"]["org.opencontainers.image.revision"] == SHA
        assert creds[1] not in json.dumps(config)
    assert creds[1] not in "".join(refs)


async def test_publishing_twice_gives_the_same_digest(app: Pipeline, repo: str, creds: tuple[str, str]) -> None:
    first = await app.publish(address=repo, version="v2.0.0", username=creds[0], password=secret(creds[1]))
    again = await app.publish(address=repo, version="v2.0.0", username=creds[0], password=secret(creds[1]))
    assert first[0].rsplit("@", 1)[1] == again[0].rsplit("@", 1)[1]


async def test_prerelease_tags_only_itself(app: Pipeline, repo: str, creds: tuple[str, str]) -> None:
    await app.publish(address=repo, version="v3.0.0-rc.1", username=creds[0], password=secret(creds[1]))
    assert await tags_of(creds, repo) == ["3.0.0-rc.1"]


async def test_invalid_version_fails_before_any_build(app: Pipeline, repo: str, creds: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="not semver"):
        await app.publish(address=repo, version="1.2", username=creds[0], password=secret(creds[1]))
    assert await tags_of(creds, repo) == []


async def test_wrong_password_fails_clearly_and_writes_nothing(
    app: Pipeline, repo: str, creds: tuple[str, str]
) -> None:
    wrong = "not-the-password-" + uuid.uuid4().hex
    with pytest.raises(PipelineError) as exc:
        await app.publish(address=repo, version="v1.0.0", username=creds[0], password=secret(wrong))
    assert exc.value.step == "publish"
    assert "rejected the credentials" in str(exc.value)
    assert wrong not in str(exc.value)
    assert creds[1] not in str(exc.value)
    assert await tags_of(creds, repo) == []


async def test_stopped_registry_fails_clearly(app: Pipeline, creds: tuple[str, str]) -> None:
    with pytest.raises(PipelineError) as exc:
        await app.publish(
            address="127.0.0.1:5999/pipeline-test/hello", version="v1.0.0", username="u", password=secret(creds[1])
        )
    assert "127.0.0.1:5999 is unreachable" in str(exc.value)
    assert creds[1] not in str(exc.value)


async def test_bad_address_and_half_given_credentials_are_rejected(app: Pipeline, registry: str) -> None:
    with pytest.raises(ValueError, match="must not carry a tag"):
        await app.publish(address=f"{registry}/x:1", version="v1.0.0")
    with pytest.raises(ValueError, match="together"):
        await app.publish(address=f"{registry}/x", version="v1.0.0", username="ci")


async def test_push_failing_part_way_names_the_tags_written(
    app: Pipeline, registry: str, creds: tuple[str, str]
) -> None:
    name = f"pipeline-test/partial-{uuid.uuid4().hex[:8]}"
    fail = re.compile(rf"/v2/{name}/manifests/1\.2$")
    with failing_proxy(registry, fail) as proxy, pytest.raises(PipelineError) as exc:
        await app.publish(address=f"{proxy}/{name}", version="v1.2.3", username=creds[0], password=secret(creds[1]))
    # 1.2.3 goes first and alone; 1.2 and 1 go together after it, and only 1.2 is refused.
    assert exc.value.cause == f"pushing {proxy}/{name}:1.2 failed; 2 of 3 tags written"
    refs = [rf"{re.escape(f'{proxy}/{name}:{tag}')}@sha256:[0-9a-f]{{64}}" for tag in ("1.2.3", "1")]
    assert re.fullmatch("written: " + ", ".join(refs), exc.value.details.splitlines()[0]), exc.value.details
    assert sorted(await tags_of(creds, f"{registry}/{name}")) == ["1", "1.2.3"]
    assert creds[1] not in str(exc.value)
