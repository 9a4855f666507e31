"""Every `dagger` command of the GitHub workflow and the GitLab file, run for real with their environment.

The scripts run as the CI systems run them (GitHub: each `run:` in bash -e; GitLab: a job's script lines in one
shell), in a copy of the repository, with the variables each system sets pointed at this machine: the basic-auth
registry stands in for GHCR / the GitLab registry, a tag build stands in for a release. Installing the CLI
(dagger-for-github, GitLab's before_script) is not run: the CLI here is the one built from source; nor is the
signing step, which needs the repository's cosign secrets (tests/engine/test_supply.py covers those functions).

GitLab's lines that make the very call a GitHub step makes (same function, same arguments once the CI systems'
variables are named alike) are not run twice: a module-mode call costs minutes here, and the suite has a time
budget. tests/contract/test_ci_files.py checks every line of both files against the module's functions.
"""

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from junitparser import JUnitXml

from pipeline.ci.cache_manifest import CHECKSUM, MANIFEST, TARBALL
from tests.contract.test_ci_files import DAGGER_ACTION, GITLAB, WORKFLOW
from tests.module.conftest import CALL_TIMEOUT, copy_repository, offline_defaults
from tests.oci import layer_media_types

# Module mode loads the module first (minutes when cold on two cores), then runs the pipeline.
pytestmark = pytest.mark.timeout(3600)


SHA = "0123456789abcdef0123456789abcdef01234567"


def registry_env() -> dict[str, str]:
    user = Path(os.environ["PIPELINE_AUTH_REGISTRY_USER_FILE"]).read_text().strip()
    password = Path(os.environ["PIPELINE_AUTH_REGISTRY_PASSWORD_FILE"]).read_text().strip()
    return {"user": user, "password": password, "registry": os.environ["PIPELINE_AUTH_REGISTRY"]}


def github_env(summary: Path) -> dict[str, str]:
    reg = registry_env()
    doc = yaml.safe_load(WORKFLOW.read_text())
    return {
        **cast("dict[str, str]", doc["env"]),
        "REGISTRY": reg["registry"],  # stands in for ghcr.io
        "GITHUB_REPOSITORY": f"Acme/Hello-{time.time_ns()}",  # mixed case: the workflow lowers it
        "GITHUB_REF_NAME": "v1.2.3",
        "GITHUB_SHA": SHA,
        "GITHUB_ACTOR": reg["user"],
        "REGISTRY_TOKEN": reg["password"],
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(summary.with_name("github-output.txt")),
    }


def github_expressions(text: str, env: dict[str, str]) -> str:
    """Evaluate the few ${{ }} expressions the workflow's dagger steps use."""
    values = {"github.sha": SHA, "env.SOURCE": env["SOURCE"], "env.DAGGER_VERSION": env["DAGGER_VERSION"]}

    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        assert expr in values, f"unknown expression ${{{{ {expr} }}}}"
        return values[expr]

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def github_steps() -> Iterator[tuple[str, str]]:
    """Yield (job/step, bash script) for every step that runs dagger, as GitHub runs it.

    A second actions/checkout into a path (the base branch of bench-compare) becomes a copy of the checkout's
    tracked files there: the base is the same commit, which is what a pull request without a code change compares.
    """
    doc = yaml.safe_load(WORKFLOW.read_text())
    for job_name, job in cast("dict[str, Any]", doc["jobs"]).items():
        for step in job["steps"]:
            name = f"{job_name}/{step.get('name', step.get('uses', ''))}"
            path = step.get("with", {}).get("path")
            if "secrets.COSIGN_" in str(step.get("env", {})):
                # Signing needs the repository's cosign key secrets; tests/engine/test_supply.py signs, attests and
                # verifies with a generated key pair through the same functions.
                continue
            if str(step.get("uses", "")).startswith("actions/checkout@") and path:
                files = "git ls-files -z --cached --others --exclude-standard"
                yield name, f"mkdir -p {path} && {files} | xargs -0 cp --parents -t {path}"
            elif "run" in step and ("dagger" in step["run"] or "reports/" in step["run"]):
                yield name, step["run"]
            elif str(step.get("uses", "")).startswith(f"{DAGGER_ACTION}@"):
                inputs = step.get("with", {})
                if inputs.get("call"):
                    yield name, f"dagger call {inputs['call']}"
                elif inputs.get("verb") == "check":
                    yield name, "dagger check"


def gitlab_jobs() -> Iterator[tuple[str, str]]:
    """Yield (job, script) for every job that runs dagger: its script lines in one shell.

    `apk add` lines install tools into the job's Alpine image, as before_script installs the CLI: this host has
    them already, so they are the lines not run.
    """
    doc = yaml.safe_load(GITLAB.read_text())
    for name, job in cast("dict[str, Any]", doc).items():
        if isinstance(job, dict) and "script" in job and not name.startswith("."):
            lines = [ln for ln in cast("list[str]", job["script"]) if not ln.startswith("apk add ")]
            yield name, "\n".join(lines)


#: The two CI systems' names for the same values, and the redirections that only route a call's output.
_SAME = (
    (re.compile(r"\$\{\{\s*env\.SOURCE\s*\}\}"), "$SOURCE"),
    (re.compile(r"\$\{\{\s*github\.sha\s*\}\}|\$CI_COMMIT_SHA|\$GITHUB_SHA"), "$COMMIT"),
    (re.compile(r"\s*>>?\s*\S+$"), ""),
    (re.compile(r"[\"']"), ""),
)


def call_of(line: str) -> str:
    """A dagger line in a form both files share: variables named alike, quotes and output redirection gone."""
    for pattern, repl in _SAME:
        line = pattern.sub(repl, line.strip())
    return line


def noise_verdict(step: str, stderr: str) -> bool:
    """Tell whether bench-compare failed on its gate's own verdict, not on an error.

    Here base and head are the same commit, so a "worse than base" verdict is timing noise on a busy two-core
    machine: the gate doing its job, not the CI file failing. Any other failure of the step still fails the test.
    """
    return step.startswith("bench-compare/") and "benchmark figure(s) worse than base" in stderr


def github_calls() -> set[str]:
    """Every dagger call the GitHub workflow makes, in call_of form."""
    return {
        call_of(ln) for _, script in github_steps() for ln in script.splitlines() if ln.strip().startswith("dagger")
    }


def counting_dagger(folder: Path) -> Path:
    """Put a `dagger` first on PATH that logs each invocation (a line) to folder/invocations, then runs the real one."""
    real = shutil.which("dagger")
    assert real is not None
    shim = folder / "bin" / "dagger"
    shim.parent.mkdir(parents=True)
    shim.write_text(f'#!/bin/sh\necho "$*" >> {folder / "invocations"}\nexec {real} "$@"\n')
    shim.chmod(0o755)
    return folder / "invocations"


def invocations(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT,
        check=False,
    )


#: Cache volumes of the CI files' runs alone, kept from one test run to the next as a self-hosted runner keeps its
#: engine: what a run exports is its own, not the whole engine's, and the steps are warm after the first run.
#: A hosted runner's cold run is measured in `make bench` (BENCH_ONLY=fresh), not here.
CACHE_NAMESPACE = "ci-files"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A fresh checkout for one CI job: the offline defaults only (the CI files pass --source themselves)."""
    return copy_repository(tmp_path / "checkout", offline_defaults(cache_namespace=CACHE_NAMESPACE))


def test_every_github_step_runs(checkout: Path, tmp_path: Path) -> None:
    env = github_env(tmp_path / "summary.md")
    log = counting_dagger(tmp_path)
    env["PATH"] = f"{log.parent / 'bin'}:{os.environ['PATH']}"
    ran: dict[str, str] = {}
    calls: dict[str, list[str]] = {}
    for name, script in github_steps():
        res = run_script(github_expressions(script, env), checkout, env)
        ran[name], calls[name] = res.stdout, invocations(log)
        if res.returncode != 0 and noise_verdict(name, res.stderr):
            continue
        assert res.returncode == 0, f"{name}:\n{script}\n{(res.stdout + res.stderr)[-3000:]}"
    # The ci job loads the module once: one dagger invocation writes every report and applies the gate.
    assert [len(v) for k, v in calls.items() if k.startswith("ci/")] == [1, 0]
    reports = checkout / "reports"
    cases = [case for suite in JUnitXml.fromfile(str(reports / "junit.xml")) for case in suite]  # pyright: ignore[reportUnknownMemberType]
    assert len(cases) >= 10
    assert "7 of 7 steps ok" in ran["ci/ci (fmt, vet, tidy, lint, test, build, scan)"]
    assert {"pipeline.sarif", "coverage.xml", "trivy-linux_amd64.json", "summary.txt"} <= {
        f.name for f in reports.iterdir()
    }
    # The run wrote the travelling cache back where actions/cache saves it from.
    saved = checkout / ".pipeline-cache"
    assert (saved / MANIFEST).is_file()
    assert (saved / CHECKSUM).read_text().split()[1] == TARBALL
    assert layer_media_types(saved / TARBALL) == ["application/vnd.oci.image.layer.v1.tar+zstd"]
    assert (checkout / "benchstat.txt").exists()
    assert "none at or above HIGH" in (tmp_path / "summary.md").read_text()
    assert any(n.startswith("publish/") for n in ran)
    repo = env["GITHUB_REPOSITORY"].lower()
    listed = subprocess.run(
        ["skopeo", "list-tags", "--tls-verify=false", "--creds", f"{registry_env()['user']}:{env['REGISTRY_TOKEN']}",
         f"docker://{env['REGISTRY']}/{repo}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert {"1.2.3", "1.2", "1", "latest", SHA[:7]} <= set(yaml.safe_load(listed)["Tags"])


def test_every_gitlab_job_runs(checkout: Path) -> None:
    reg = registry_env()
    image = f"{reg['registry']}/group/hello-{time.time_ns()}"
    env = {
        **cast("dict[str, str]", yaml.safe_load(GITLAB.read_text())["variables"]),
        "CI_COMMIT_SHA": SHA,
        "CI_COMMIT_TAG": "v1.2.3-rc.1",  # a pre-release: no latest, exact tag only
        "CI_REGISTRY_IMAGE": image,
        "CI_REGISTRY_USER": reg["user"],
        "CI_REGISTRY_PASSWORD": reg["password"],
    }
    for key in ("DOCKER_HOST", "DOCKER_TLS_CERTDIR", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        env.pop(key)  # the docker:dind service's settings; the engine here is not in Docker
    twins = github_calls()
    ran: list[str] = []
    for name, script in gitlab_jobs():
        lines = script.splitlines()
        calls = [ln for ln in lines if ln.startswith("dagger")]
        if all(call_of(c) in twins for c in calls):
            continue  # every call of this job is one the GitHub run made (bench-compare)
        rest = "\n".join(ln for ln in lines if call_of(ln) not in twins)
        res = run_script(rest, checkout, env)
        assert res.returncode == 0, f"{name}:\n{rest}\n{(res.stdout + res.stderr)[-3000:]}"
        ran.append(name)
    assert ran == ["publish"]  # check's one call is the GitHub ci job's, run there
    tags = subprocess.run(
        ["skopeo", "list-tags", "--tls-verify=false", "--creds", f"{reg['user']}:{reg['password']}", f"docker://{image}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert set(yaml.safe_load(tags)["Tags"]) == {"1.2.3-rc.1", SHA[:7]}
