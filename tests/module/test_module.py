"""`dagger functions`, `dagger call`, `dagger check` and `dagger call … up` on the module, as users run them."""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from tests.conftest import FIXTURES, ROOT
from tests.kubecluster import PORT_ATTEMPTS, free_port
from tests.module.conftest import Run, copy_repository, offline_defaults
from tests.registry import functions

# Module mode loads the module first (minutes when cold on two cores), then runs the pipeline.
pytestmark = pytest.mark.timeout(3600)


Cli = Callable[..., Run]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def kebab(name: str) -> str:
    return name.replace("_", "-")


def test_functions_lists_every_function_with_its_doc(cli: Cli, repo: Path) -> None:
    res = cli(repo, "functions")
    assert res.code == 0, res.stderr[-3000:]
    listed: dict[str, str] = {}
    for line in ANSI.sub("", res.stdout).splitlines():
        name, _, doc = line.strip().partition(" ")
        if name and doc:
            listed[name] = doc.strip()
    wanted = {kebab(fn.name): fn.doc for fn in functions(Pipeline).values() if fn.name}
    assert {k: listed.get(k) for k in wanted} == wanted


def test_an_edited_module_is_picked_up_on_the_next_call(cli: Cli, tmp_path: Path) -> None:
    """The engine caches the module's type definitions on the module source's digest: a warm call starts no Python,
    and an edit to pipeline/**/*.py makes a new digest, so the very next call lists what the edit says."""
    copy = copy_repository(tmp_path / "edited", offline_defaults("app"))
    assert cli(copy, "functions").code == 0
    edited = copy / "pipeline" / "go" / "functions.py"
    old_doc = '"""Print the effective Go version and the builder\'s `go version`."""'
    new_doc = '"""Print the Go version in effect (edited: picked up on the next call)."""'
    assert old_doc in edited.read_text()
    edited.write_text(edited.read_text().replace(old_doc, new_doc))
    res = cli(copy, "functions")
    assert res.code == 0, res.stderr[-3000:]
    assert "Print the Go version in effect (edited: picked up on the next call)." in ANSI.sub("", res.stdout)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_build_export_is_byte_identical_to_client_mode(cli: Cli, repo: Path, tmp_path: Path) -> None:
    res = cli(repo, "call", "build", "--version", "v1.2.3", "export", "--path", str(tmp_path / "module"))
    assert res.code == 0, res.stderr[-3000:]
    async with dagger.connection():  # client mode, on the same engine
        built = await Pipeline(
            source=dag.host().directory(str(ROOT / "app"), exclude=[".git"]), go_image=os.environ["PIPELINE_GO_IMAGE"]
        ).build(version="v1.2.3")
        await built.export(str(tmp_path / "client"))
    for binary in ("linux_amd64/hello", "linux_arm64/hello"):
        assert sha256(tmp_path / "module" / binary) == sha256(tmp_path / "client" / binary), binary


def test_check_fails_on_a_gofmt_diff_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    broken = copy_repository(tmp_path / "repo", offline_defaults("tests/fixtures/gofmt-diff"))
    res = cli(broken, "check", "fmt")
    out = ANSI.sub("", res.stdout + res.stderr)
    assert res.code != 0
    assert "1 file(s) not gofmt-formatted: main.go" in out


def test_generate_writes_the_gofmt_fix(cli: Cli, tmp_path: Path) -> None:
    """`dagger generate` applies the gofmt Changeset to the user's files (a module at the repository root)."""
    root = copy_repository(tmp_path / "repo", offline_defaults())
    for f in (FIXTURES / "gofmt-diff").iterdir():
        shutil.copy2(f, root / f.name)
    res = cli(root, "generate", "gofmt", "-y")
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    fixed = subprocess.run(["gofmt", "-l", "."], cwd=root, capture_output=True, text=True, check=True).stdout
    assert "main.go" not in fixed.split()


def serve_up(dagger_cli: str, repo: Path, port: int, log: Path) -> str | None:
    """Run `dagger call serve up` on port; return /healthz's answer, or None when dagger exited first (log says why).

    dagger's progress goes to a file: a pipe nobody reads fills up and blocks it.
    """
    with log.open("w") as err:
        proc = subprocess.Popen(
            [dagger_cli, "--progress=plain", "call", "serve", "up", "--ports", f"{port}:8080"],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        return r.read().decode()
                except OSError:
                    time.sleep(1)
            assert proc.poll() is not None, f"no answer on :{port} within 900s:\n{log.read_text()[-3000:]}"
            return None
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_serve_up_answers_healthz(dagger_cli: str, repo: Path, tmp_path: Path) -> None:
    """A host port another process takes between free_port() and dagger's bind is an event: dagger says so and
    exits, and the test serves again on another port (as tests/kubecluster.py does), up to PORT_ATTEMPTS times."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        log = tmp_path / f"serve-{attempt}.log"
        answer = serve_up(dagger_cli, repo, free_port(), log)
        if answer is not None:
            assert answer.strip() == "ok"
            return
        assert "address already in use" in log.read_text(), log.read_text()[-3000:]
    pytest.fail(f"every one of {PORT_ATTEMPTS} free ports was taken before dagger bound it")


def test_serve_up_on_a_taken_port_exits_saying_so(dagger_cli: str, repo: Path, tmp_path: Path) -> None:
    """What the retry above stands on: dagger names a taken host port and exits, it does not wait."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        log = tmp_path / "serve.log"
        assert serve_up(dagger_cli, repo, int(taken.getsockname()[1]), log) is None
    assert "address already in use" in log.read_text(), log.read_text()[-3000:]


def test_publish_to_the_basic_auth_registry(cli: Cli, repo: Path) -> None:
    user = Path(os.environ["PIPELINE_AUTH_REGISTRY_USER_FILE"]).read_text().strip()
    password = Path(os.environ["PIPELINE_AUTH_REGISTRY_PASSWORD_FILE"]).read_text().strip()
    address = f"{os.environ['PIPELINE_AUTH_REGISTRY']}/module-tier/hello-{time.time_ns()}"
    res = cli(
        repo,
        "call",
        "publish",
        "--address",
        address,
        "--version",
        "v1.2.3",
        "--username",
        user,
        "--password",
        "env:MODULE_TIER_PASSWORD",
        env={"MODULE_TIER_PASSWORD": password},
    )
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    refs = [ln for ln in ANSI.sub("", res.stdout).split() if ln.startswith(address)]
    assert [r.split("@")[0] for r in refs] == [f"{address}:1.2.3", f"{address}:1.2", f"{address}:1"]
    assert password not in res.stdout + res.stderr
    by_digest = f"{address}@{refs[0].split('@')[1]}"  # skopeo takes a tag or a digest, not both
    inspect = subprocess.run(
        ["skopeo", "inspect", "--tls-verify=false", "--creds", f"{user}:{password}", "--raw", f"docker://{by_digest}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"manifests"' in inspect.stdout  # one index for both platforms


def test_a_user_repository_adopts_the_module_as_a_toolchain(cli: Cli, tmp_path: Path) -> None:
    """A service repository (go.mod at its root) installs the module as a toolchain; `dagger check` runs its checks.

    The toolchain's DefaultPath("/") is the user's repository: no --source, no .env source line. Dagger wants a
    local toolchain inside the installing module's context (its git root), so the copy lives in the repository,
    as a team that vendors its CI module would keep it.
    """
    user = tmp_path / "orders"
    shutil.copytree(FIXTURES / "embed-assets", user)
    module = user / "ci" / "pipeline"
    module.mkdir(parents=True)
    for name in ("dagger.json", "pyproject.toml", "uv.lock"):
        shutil.copy2(ROOT / name, module / name)
    for name in ("pipeline", "pipeline_cli"):
        shutil.copytree(ROOT / name, module / name, ignore=shutil.ignore_patterns("__pycache__"))
    (user / ".env").write_text(offline_defaults().replace("goImage=", "PIPELINE_GOIMAGE="))
    subprocess.run(["git", "init", "-q", str(user)], check=True)
    for args in (("init", "--name", "orders"), ("toolchain", "install", str(module))):
        res = cli(user, *args)
        assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    # A toolchain's functions are reached as checks (and generators) of the installing module, named toolchain:check.
    listed = cli(user, "check", "--list")
    assert listed.code == 0, (listed.stdout + listed.stderr)[-3000:]
    assert {"pipeline:test-check", "pipeline:fmt", "pipeline:vet"} <= set(ANSI.sub("", listed.stdout).split())
    res = cli(user, "check", "pipeline:test-check")
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]


def test_a_new_python_module_and_one_that_calls_it_as_a_dependency(cli: Cli, tmp_path: Path) -> None:
    """`dagger init --sdk=python` writes a module whose template function answers, from the SDK image's prebuilt
    bindings — hello's source in a folder that does not exist yet, as `--source=.dagger` in a repository; a module
    that installs it sees a schema with the dependency's types, so its bindings come from the codegen, and a
    function of its own calls the dependency through them.
    """
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name, source in (("hello", "ci"), ("greeter", ".")):
        (tmp_path / name).mkdir()
        res = cli(tmp_path / name, "init", "--sdk=python", f"--name={name}", f"--source={source}")
        assert res.code == 0, (res.stdout + res.stderr)[-3000:]
        assert (tmp_path / name / source / "uv.lock").is_file()  # the runtime's codegen locked the new project
    res = cli(tmp_path / "hello", "call", "hello", "--name=module")
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    assert res.stdout.strip() == "hello, module"

    greeter = tmp_path / "greeter"
    res = cli(greeter, "install", "../hello")
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    main = greeter / "src" / "greeter" / "main.py"
    main.write_text(
        main.read_text()
        + "\n    @function\n    async def relay(self) -> str:\n"
        + '        """Greet through the dependency."""\n'
        + '        return await dag.hello().hello(name="dependency")\n'
    )
    res = cli(greeter, "call", "relay")
    assert res.code == 0, (res.stdout + res.stderr)[-3000:]
    assert res.stdout.strip() == "hello, dependency"
