"""Signatures, attestations and verification with the real cosign, against the local registry with basic auth.

The module signs and attests through a container (cosign copied into the Go builder, the loopback registry reached
through a Dagger host service); the checks here also run the host's cosign binary against 127.0.0.1:5001, exactly as
README's "Supply chain" section tells a user to.
"""

import base64
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

import anyio
import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.chart.check import HELM_BIN, with_chart_tools
from pipeline.core.errors import PipelineError
from pipeline.go.builder import GoEnv
from pipeline.release import registry
from pipeline.release.attest_provenance import BUILD_TYPE, PREDICATE_TYPE
from tests.conftest import ROOT

SHA = "89abcdef0123456789abcdef0123456789abcdef"
PASSWORD = "correct horse battery staple"  # noqa: S105 (the test key's password)


class Login(TypedDict):
    """Registry credentials as sign, attest and verify take them."""

    username: str
    password: dagger.Secret


@dataclass(frozen=True)
class Keys:
    """A cosign key pair on the host and as the module takes it."""

    folder: Path
    key: dagger.Secret
    password: dagger.Secret
    public: dagger.File


def generate(cosign_bin: Path, folder: Path, password: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COSIGN_PASSWORD": password}
    subprocess.run([cosign_bin, "generate-key-pair"], cwd=folder, env=env, check=True, capture_output=True)
    return folder


@pytest.fixture(scope="module")
def keys(cosign_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = generate(cosign_bin, tmp_path_factory.mktemp("keys"), PASSWORD)
    (folder / "password").write_text(PASSWORD)
    return Keys(
        folder=folder,
        key=dag.secret(f"file://{folder / 'cosign.key'}"),
        password=dag.secret(f"file://{folder / 'password'}"),
        public=dag.host().file(str(folder / "cosign.pub")),
    )


@pytest.fixture(scope="module")
def signing(app: Pipeline, trivy_image: str, cosign_image: str) -> Pipeline:
    return Pipeline(source=app.source, go_image=app.go_image, trivy_image=trivy_image, cosign_image=cosign_image)


def run_cosign(cosign_bin: Path, creds: tuple[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the host cosign as a user would, with a docker config holding the registry's credentials."""
    config = cwd / "docker"
    config.mkdir(exist_ok=True)
    auth = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
    registry = os.environ["PIPELINE_AUTH_REGISTRY"]
    (config / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    return subprocess.run([cosign_bin, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class Release:
    repo: str
    ref: str  # repo:tag@sha256:…
    digest: str
    signed: list[str]
    attested: list[str]


@pytest.fixture(scope="module")
async def release(signing: Pipeline, keys: Keys, creds: tuple[str, str], registry_password: dagger.Secret) -> Release:
    repo = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/signed-{uuid.uuid4().hex[:8]}"
    refs = await signing.publish(
        address=repo, version="v1.2.3", commit=SHA, username=creds[0], password=registry_password
    )
    login: Login = {"username": creds[0], "password": registry_password}
    signed = await signing.sign(image=refs[0], key=keys.key, key_password=keys.password, **login)
    attested = await signing.attest(
        image=refs[0],
        key=keys.key,
        key_password=keys.password,
        version="v1.2.3",
        commit=SHA,
        source_uri="git+https://example.com/acme/hello",
        **login,
    )
    return Release(repo=repo, ref=refs[0], digest=refs[0].rsplit("@", 1)[1], signed=signed, attested=attested)


async def test_sign_covers_the_index_and_every_platform(release: Release) -> None:
    assert release.signed[0] == f"{release.repo}@{release.digest} (index)"
    assert sorted(s.rsplit(" ", 1)[1] for s in release.signed[1:]) == ["(linux/amd64)", "(linux/arm64)"]
    assert [a.split(": ", 1)[1] for a in release.attested] == [
        "CycloneDX SBOM, linux/amd64",
        "CycloneDX SBOM, linux/arm64",
        "SLSA provenance v1",
    ]


async def test_verify_checks_signatures_sboms_and_provenance(
    signing: Pipeline,
    release: Release,
    keys: Keys,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
    go_image: str,
) -> None:
    report = await signing.verify(image=release.ref, key=keys.public, username=creds[0], password=registry_password)
    assert report.digest == release.digest
    assert "signatures: index and 2 platform manifests (linux/amd64, linux/arm64)" in report.summary
    assert f"commit {SHA}" in report.summary

    statement = cast("dict[str, Any]", json.loads(await report.provenance.contents()))
    assert statement["predicateType"] == PREDICATE_TYPE
    assert statement["subject"][0]["digest"] == {"sha256": release.digest.removeprefix("sha256:")}
    definition = statement["predicate"]["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"]["source"] == {"uri": "git+https://example.com/acme/hello", "commit": SHA}
    assert definition["externalParameters"]["platforms"] == ["linux/amd64", "linux/arm64"]
    assert "-trimpath" in definition["internalParameters"]["goBuild"]
    deps = {d["name"]: d for d in definition["resolvedDependencies"]}
    assert deps["source"]["digest"] == {"gitCommit": SHA}
    builder_digest = (await dag.container().from_(go_image).image_ref()).rsplit("@", 1)[1]
    assert deps["builder-image"]["digest"] == {"sha256": builder_digest.removeprefix("sha256:")}
    gosum = (ROOT / "app" / "go.sum").read_text()
    assert (
        deps["github.com/prometheus/client_golang"]["uri"] == "pkg:golang/github.com/prometheus/client_golang@v1.25.0"
    )
    assert len(deps["github.com/prometheus/client_golang"]["digest"]["dirHash"]) == 64
    assert "github.com/prometheus/client_golang v1.25.0 h1:" in gosum

    for platform in ("linux_amd64", "linux_arm64"):
        sbom = cast("dict[str, Any]", json.loads(await report.sboms.file(f"{platform}.json").contents()))
        purls = {c.get("purl", "") for c in sbom["predicate"]["components"]}
        assert "pkg:golang/github.com/prometheus/client_golang@v1.25.0" in purls


async def test_the_users_cosign_verifies_under_the_registry_address(
    release: Release, keys: Keys, creds: tuple[str, str], cosign_bin: Path
) -> None:
    target = f"{release.repo}@{release.digest}"
    verified = run_cosign(
        cosign_bin, creds, "verify", "--key", "cosign.pub", "--insecure-ignore-tlog=true", target, cwd=keys.folder
    )
    assert verified.returncode == 0, verified.stderr
    claims = cast("list[dict[str, Any]]", json.loads(verified.stdout))
    assert {c["critical"]["type"] for c in claims} >= {"https://sigstore.dev/cosign/sign/v1"}
    attested = run_cosign(
        cosign_bin, creds, "verify-attestation", "--key", "cosign.pub", "--insecure-ignore-tlog=true",
        "--type", "slsaprovenance1", target, cwd=keys.folder,
    )  # fmt: skip
    assert attested.returncode == 0, attested.stderr
    # Debian's docker-registry has no referrers API: cosign's bundles hang off the fallback tag sha256-<hex>.
    tags = await anyio.run_process(
        ["skopeo", "list-tags", "--tls-verify=false", "--creds", f"{creds[0]}:{creds[1]}", f"docker://{release.repo}"]
    )
    assert f"sha256-{release.digest.removeprefix('sha256:')}" in json.loads(tags.stdout)["Tags"]


async def test_an_image_replaced_under_the_signed_tag_fails_verify(
    signing: Pipeline,
    app: Pipeline,
    release: Release,
    keys: Keys,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
) -> None:
    # A different image under the same tag (the app built as another version: other bytes, no signature).
    other = Pipeline(source=app.source, go_image=app.go_image, platforms=["linux/amd64"])
    replaced = await other.publish(
        address=release.repo, version="v1.2.3", username=creds[0], password=registry_password
    )
    assert replaced[0].rsplit("@", 1)[1] != release.digest
    login: Login = {"username": creds[0], "password": registry_password}
    with pytest.raises(PipelineError) as exc:
        await signing.verify(image=release.ref, key=keys.public, **login)
    assert exc.value.cause == (
        f"{release.repo}:1.2.3 now points to {replaced[0].rsplit('@', 1)[1]}, not the signed {release.digest}: "
        "the image was replaced under the same tag"
    )
    with pytest.raises(PipelineError) as exc:
        await signing.verify(image=f"{release.repo}:1.2.3", key=keys.public, **login)
    assert "has no signature" in exc.value.cause
    # The signed digest itself still verifies.
    report = await signing.verify(image=f"{release.repo}@{release.digest}", key=keys.public, **login)
    assert report.digest == release.digest


async def test_another_key_does_not_verify(
    signing: Pipeline,
    release: Release,
    cosign_bin: Path,
    tmp_path: Path,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
) -> None:
    other = generate(cosign_bin, tmp_path / "other", "")
    with pytest.raises(PipelineError) as exc:
        await signing.verify(
            image=f"{release.repo}@{release.digest}",
            key=dag.host().file(str(other / "cosign.pub")),
            username=creds[0],
            password=registry_password,
        )
    assert "does not verify with this public key (signed with another key)" in exc.value.cause


async def test_bad_keys_fail_before_anything_is_signed(
    signing: Pipeline,
    release: Release,
    keys: Keys,
    tmp_path: Path,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
) -> None:
    before = await anyio.run_process(
        ["skopeo", "list-tags", "--tls-verify=false", "--creds", f"{creds[0]}:{creds[1]}", f"docker://{release.repo}"]
    )
    login: Login = {"username": creds[0], "password": registry_password}
    (tmp_path / "wrong").write_text("not the password")
    with pytest.raises(PipelineError) as exc:
        await signing.sign(
            image=release.ref, key=keys.key, key_password=dag.secret(f"file://{tmp_path / 'wrong'}"), **login
        )
    assert "the key password does not open the cosign key" in exc.value.cause
    assert "not the password" not in str(exc.value)
    with pytest.raises(PipelineError) as exc:
        await signing.sign(image=release.ref, key=dag.secret(f"file://{keys.folder / 'cosign.pub'}"), **login)
    assert "is not an encrypted cosign private key" in exc.value.cause
    missing = f"{release.repo}@sha256:{'0' * 64}"
    with pytest.raises(PipelineError) as exc:
        await signing.sign(image=missing, key=keys.key, key_password=keys.password, **login)
    assert exc.value.cause == f"{missing} is not in the registry: publish it first; nothing was written"
    after = await anyio.run_process(
        ["skopeo", "list-tags", "--tls-verify=false", "--creds", f"{creds[0]}:{creds[1]}", f"docker://{release.repo}"]
    )
    assert json.loads(after.stdout)["Tags"] == json.loads(before.stdout)["Tags"]


async def test_bad_references_are_usage_errors(signing: Pipeline, keys: Keys) -> None:
    with pytest.raises(ValueError, match="names no tag or digest"):
        await signing.sign(image="127.0.0.1:5001/x/y", key=keys.key)
    with pytest.raises(ValueError, match="is not a sha256 digest"):
        await signing.verify(image="127.0.0.1:5001/x/y@sha256:abc", key=keys.public)


async def test_publish_chart_pins_the_digest_pushes_and_signs(
    signing: Pipeline,
    release: Release,
    keys: Keys,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
    cosign_bin: Path,
    go_image: str,
) -> None:
    charts = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/charts-{uuid.uuid4().hex[:8]}"
    pushed = await signing.publish_chart(
        chart_dir=dag.host().directory(str(ROOT / "deploy" / "helm" / "hello")),
        address=charts,
        image=release.ref,
        version="v1.2.3",
        key=keys.key,
        key_password=keys.password,
        username=creds[0],
        password=registry_password,
    )
    assert pushed.startswith(f"oci://{charts}/hello:1.2.3@sha256:")
    chart_digest = pushed.rsplit("@", 1)[1]

    # Pull it back with helm, as a cluster's tooling would, and render it.
    access = registry.access(charts, creds[0], registry_password)
    pull = [HELM_BIN, "pull", f"oci://{access.inside_ref(charts)}/hello", "--version", "1.2.3", "--plain-http"]
    helm = registry.fresh(access.apply(with_chart_tools(GoEnv(image=go_image)).with_workdir("/pulled")))
    pulled = helm.with_exec(registry.login_argv(pull))
    shown = await pulled.with_exec([HELM_BIN, "show", "chart", "hello-1.2.3.tgz"]).stdout()
    assert "appVersion: 1.2.3" in shown
    assert "version: 1.2.3" in shown
    rendered = await pulled.with_exec(
        [HELM_BIN, "template", "hello", "hello-1.2.3.tgz", "--kube-version", "1.35.0"]
    ).stdout()
    assert f'image: "{release.repo}@{release.digest}"' in rendered

    verified = run_cosign(
        cosign_bin, creds, "verify", "--key", "cosign.pub", "--insecure-ignore-tlog=true",
        f"{charts}/hello@{chart_digest}", cwd=keys.folder,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


async def test_ci_failure_after_the_push_names_what_was_written(
    app: Pipeline,
    trivy_db: dagger.Directory,
    trivy_image: str,
    cosign_image: str,
    keys: Keys,
    creds: tuple[str, str],
    registry_password: dagger.Secret,
    tmp_path: Path,
) -> None:
    # A chart that ignores image.digest: publish-chart refuses it after the image was published, signed, attested.
    shutil.copytree(ROOT / "deploy" / "helm" / "hello", tmp_path / "chart")
    helpers = tmp_path / "chart" / "templates" / "_helpers.tpl"
    helpers.write_text(helpers.read_text().replace("{{- if .Values.image.digest }}", "{{- if false }}"))
    repo = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/ci-{uuid.uuid4().hex[:8]}"
    p = Pipeline(
        source=app.source, go_image=app.go_image, trivy_db=trivy_db, trivy_image=trivy_image, cosign_image=cosign_image
    )
    report = await p.ci(
        address=repo,
        version="v2.0.0",
        username=creds[0],
        password=registry_password,
        key=keys.key,
        key_password=keys.password,
        chart_dir=dag.host().directory(str(tmp_path / "chart")),
    )
    with pytest.raises(PipelineError) as exc:
        report.check()
    text = str(exc.value)
    assert exc.value.cause == "1 of 11 steps failed: publish-chart"
    for step in ("publish", "sign", "attest"):
        assert any(line.startswith(f"{step} ") and " ok " in line for line in text.splitlines()), step
    assert "the packaged chart does not run" in text
    assert "written before the failure:" in text
    for tag in ("2.0.0", "2.0", "2"):
        assert f"tag: {repo}:{tag}@sha256:" in text
    assert text.count("signature: ") == 3  # index and two platforms
    assert text.count("attestation: ") == 3  # two SBOMs and the provenance
    assert "\n  chart: " not in text


async def test_ci_key_problems_fail_before_anything_is_built(
    app: Pipeline, keys: Keys, cosign_image: str, tmp_path: Path
) -> None:
    p = Pipeline(source=app.source, go_image=app.go_image, cosign_image=cosign_image)
    (tmp_path / "wrong").write_text("nope")
    repo = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/pipeline-test/never-{uuid.uuid4().hex[:8]}"
    with pytest.raises(PipelineError, match="the key password does not open the cosign key"):
        await p.ci(
            address=repo, version="v1.0.0", key=keys.key, key_password=dag.secret(f"file://{tmp_path / 'wrong'}")
        )
    with pytest.raises(ValueError, match="--chart-dir needs --key"):
        await p.ci(address=repo, version="v1.0.0", chart_dir=dag.directory())
    with pytest.raises(ValueError, match="give --address too"):
        await p.ci(key=keys.key)
