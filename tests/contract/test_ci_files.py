"""The CI files: actionlint, GitLab's schema, and every `dagger` command against the module's registered functions.

Renaming a function, a field or an argument of the module breaks a test here before it breaks a user's CI.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ForwardRef, cast

import dagger
import pytest
import yaml

from pipeline import Pipeline, pins
from scripts import harness_pins
from tests.conftest import ROOT
from tests.registry import functions

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
DAGGER_ACTION = "dagger/dagger-for-github"
#: `dagger` flags that may stand anywhere in a command, and whether they take a value.
GLOBAL_FLAGS = {"--progress": True, "-m": True, "--mod": True, "-o": True, "--output": True, "--json": False}
SHELL_OPERATORS = {";", "&&", "||", "|", "&", "(", ")", ">", ">>", "<"}
CORE_TYPES = (dagger.File, dagger.Directory, dagger.Container, dagger.Secret, dagger.Service)


# --- finding the commands ------------------------------------------------------------------------------------


def workflow_scripts(doc: dict[str, Any]) -> Iterator[str]:
    """Yield every `run:` script, and each dagger-for-github step as the command it runs."""
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            if "run" in step:
                yield step["run"]
            if str(step.get("uses", "")).startswith(f"{DAGGER_ACTION}@"):
                inputs = step.get("with", {})
                if inputs.get("call"):
                    yield f"dagger call {inputs['call']}"
                elif inputs.get("check") or inputs.get("verb") == "check":
                    yield "dagger check"
                elif inputs.get("args"):
                    yield f"dagger {inputs.get('verb', 'call')} {inputs['args']}"


def gitlab_scripts(doc: dict[str, Any]) -> Iterator[str]:
    """Yield every line of every job's before_script, script and after_script."""
    for job in doc.values():
        if isinstance(job, dict):
            for key in ("before_script", "script", "after_script"):
                lines = cast("str | list[str]", cast("dict[str, Any]", job).get(key, []))
                yield from [lines] if isinstance(lines, str) else lines


def dagger_commands(script: str) -> Iterator[list[str]]:
    """Yield the words after `dagger` of each dagger command in a shell script (multi-line, continued, chained)."""
    script = re.sub(r"\$\{\{.*?\}\}", "EXPR", script)  # GitHub expressions are values
    script = script.replace("\\\n", " ")
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token not in SHELL_OPERATORS:
                words.append(token)
                continue
            if words and words[0] == "dagger":
                yield words[1:]
            words = []


def commands(path: Path) -> list[str]:
    """Return each dagger command of a CI file as one normalized line."""
    doc = yaml.safe_load(path.read_text())
    scripts = workflow_scripts(doc) if path == WORKFLOW else gitlab_scripts(doc)
    return [shlex.join(["dagger", *words]) for s in scripts for words in dagger_commands(s)]


# --- resolving them against the module -----------------------------------------------------------------------


@dataclass
class Member:
    """A function or field as the CLI shows it: its flags (kebab-case, True when boolean) and what it returns."""

    returns: object
    flags: dict[str, bool] = field(default_factory=dict[str, bool])


def kebab(name: str) -> str:
    """Spell a Python or API name as the Dagger CLI does."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).replace("_", "-").lower()


def unwrap(tp: object, owner: object) -> object:
    """Strip Annotated, Optional and forward references; Self is the owner."""
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if str(tp) == "typing.Self":
        return owner
    if isinstance(tp, ForwardRef):
        return getattr(dagger, tp.__forward_arg__, None)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in {typing.Union, types.UnionType} and len(args) == 1:
        return args[0]
    return tp


def is_bool(tp: object) -> bool:
    """Tell whether a flag of this type needs no value."""
    return tp is bool or bool in typing.get_args(tp)


def lookup(tp: object, word: str) -> Member | None:
    """Return the function or field `word` (CLI spelling) of type tp: module objects, or core API types."""
    if not isinstance(tp, type):
        return None
    if hasattr(tp, "__dagger_object_type__"):
        fields = cast("dict[str, Any]", cast("Any", tp).__dagger_object_type__.fields)
        for f in fields.values():
            if kebab(str(f.name)) == word:
                return Member(unwrap(f.return_type, tp))
        for name, fn in functions(tp).items():
            if name and kebab(name) == word:
                return Member(unwrap(fn.return_type, tp), {kebab(a.name): is_bool(a.annotation) for a in fn.args})
        return None
    core: object = tp
    method: object = getattr(tp, word.replace("-", "_"), None) if issubclass(tp, CORE_TYPES) else None
    if method is None or word.startswith("_") or not callable(method):
        return None
    hints = typing.get_type_hints(method)
    returns = unwrap(hints.pop("return", None), core)
    return Member(returns, {kebab(k): is_bool(unwrap(v, core)) for k, v in hints.items()})


def segment_problems(scope: object, where: str, words: list[str]) -> tuple[object, list[str]]:
    """Check one `dagger -c` pipeline segment (a function and its flags or positional values) on scope."""
    member = lookup(scope, words[0])
    if member is None:
        return None, [f"{where} has no function or field {words[0]!r}"]
    positional = [name for name, boolean in member.flags.items() if not boolean]
    rest = words[1:]
    while rest:
        word, rest = rest[0], rest[1:]
        if not word.startswith("-"):
            if not positional:
                return None, [f"{words[0]!r} takes no value {word!r}"]
            positional.pop(0)
            continue
        takes_value = flag_takes_value(word, member.flags)
        if takes_value is None:
            return None, [f"{words[0]!r} has no flag {word.split('=', 1)[0]}"]
        name = word.split("=", 1)[0].removeprefix("--")
        if name in positional:
            positional.remove(name)
        if takes_value and "=" not in word:
            rest = rest[1:]
    return member.returns, []


def shell_problems(script: str) -> list[str]:
    """Return what `dagger -c SCRIPT` would refuse: statements split by ; and lines, `r=$(…)` binds a variable.

    A pipeline starts with `.` and constructor flags (the module), with `$name` (a bound value), or with a function
    of the module; each segment after `|` is a function or field of what the segment before it returned.
    """
    module = functions(Pipeline)
    ctor_flags = {kebab(a.name): is_bool(a.annotation) for a in module[""].args}
    bound: dict[str, object] = {}
    found: list[str] = []
    for statement in filter(None, (s.strip() for s in re.split(r"[;\n]", script))):
        assigned = re.fullmatch(r"(\w+)=\$\((.*)\)", statement)
        name, chain = (assigned.group(1), assigned.group(2)) if assigned else (None, statement)
        segments = [shlex.split(s) for s in chain.split("|")]
        scope: object = Pipeline
        head = segments[0]
        if head[0] == ".":
            bad = [w for w in head[1:] if flag_takes_value(w, ctor_flags) is None]
            found += [f"Pipeline (constructor) has no flag {w.split('=', 1)[0]}" for w in bad]
            segments = segments[1:]
        elif head[0].startswith("$"):
            if head[0][1:] not in bound:
                found.append(f"{head[0]} is not bound before it is used")
                continue
            scope = bound[head[0][1:]]
            segments = segments[1:]
        where = "Pipeline (constructor)"
        for words in segments:
            scope, errors = segment_problems(scope, where, words)
            found += errors
            if errors:
                break
            where = f"{words[0]!r}"
        if name:
            bound[name] = scope
    return found


def problems(words: list[str]) -> list[str]:  # noqa: PLR0911 (one answer per kind of command)
    """Return what the CLI would refuse in `dagger <words>`; empty when every name and flag exists."""
    if words == ["version"]:
        return []
    if words[:1] == ["-c"] and len(words) == 2:
        return shell_problems(words[1].replace("\\$", "$"))  # bash drops the backslash of \$ in "…"
    if not words or words[0] not in {"call", "check"}:
        return [f"not a dagger call, check or -c script: {shlex.join(words)}"]
    module = functions(Pipeline)
    if words[0] == "check":
        checks = {kebab(n) for n, f in module.items() if f.check}
        return [f"no check {w!r}" for w in words[1:] if not w.startswith("-") and w not in checks]
    where, scope = "Pipeline (constructor)", cast("object", Pipeline)
    flags = {kebab(a.name): is_bool(a.annotation) for a in module[""].args}
    rest = words[1:]
    while rest:
        word, rest = rest[0], rest[1:]
        if word.startswith("-"):
            takes_value = flag_takes_value(word, flags)
            if takes_value is None:
                return [f"{where} has no flag {word.split('=', 1)[0]}"]
            if takes_value and "=" not in word:
                rest = rest[1:]
            continue
        member = lookup(scope, word)
        if member is None:
            return [f"{where} has no function or field {word!r}"]
        where, flags, scope = f"{word!r}", member.flags, member.returns
    return []


def flag_takes_value(word: str, flags: dict[str, bool]) -> bool | None:
    """Tell whether a flag takes a value (a separate word unless given with =); None when it does not exist."""
    name = word.split("=", 1)[0]
    if name in GLOBAL_FLAGS:
        return GLOBAL_FLAGS[name]
    boolean = flags.get(name.removeprefix("--"))
    return None if boolean is None else not boolean


# --- the tests -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """Install the pinned actionlint with `go install` into a cache folder (once per version)."""
    version = harness_pins.ACTIONLINT.rsplit("@", 1)[1]
    base = Path(os.environ.get("PIPELINE_CACHE") or Path(tempfile.gettempdir()) / "pipeline-cache")
    gobin = base / "tools" / f"actionlint-{version}"
    binary = gobin / "actionlint"
    if not binary.exists():
        env = {**os.environ, "GOBIN": str(gobin), "CGO_ENABLED": "0"}
        res = subprocess.run(
            ["go", "install", harness_pins.ACTIONLINT], env=env, capture_output=True, text=True, check=False
        )
        assert res.returncode == 0, f"go install {harness_pins.ACTIONLINT} failed:\n{res.stderr}"
    return binary


def test_workflow_passes_actionlint(actionlint: Path) -> None:
    version = subprocess.run([actionlint, "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(harness_pins.ACTIONLINT.rsplit("@", 1)[1])
    res = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_gitlab_ci_matches_gitlab_schema() -> None:
    check_jsonschema = Path(sys.executable).parent / "check-jsonschema"
    res = subprocess.run(
        [check_jsonschema, "--builtin-schema", "vendor.gitlab-ci", str(GITLAB)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


ALL_COMMANDS = [(path, cmd) for path in (WORKFLOW, GITLAB) for cmd in commands(path)]


@pytest.mark.parametrize(("path", "command"), ALL_COMMANDS, ids=[f"{p.name}: {c}" for p, c in ALL_COMMANDS])
def test_every_dagger_command_exists_on_the_module(path: Path, command: str) -> None:
    assert problems(shlex.split(command)[1:]) == [], f"{path.name}: {command}"


CI_SCRIPT = (
    "r=$(. --source=$SOURCE --cache-from=.pipeline-cache | ci --commit=SHA); $r | reports | export reports;"
    " $r | cache | export .pipeline-cache --wipe; $r | summary; $r | check"
)


@pytest.mark.parametrize(("path", "job"), [(WORKFLOW, "ci"), (GITLAB, "check")], ids=["github", "gitlab"])
def test_the_check_job_is_one_invocation_writing_reports_then_gating(path: Path, job: str) -> None:
    """A hosted runner's engine is new every run and each `dagger` invocation loads the module again: one."""
    doc = yaml.safe_load(path.read_text())
    scripts = [s["run"] for s in doc["jobs"][job]["steps"] if "run" in s] if path == WORKFLOW else doc[job]["script"]
    invocations = [words for s in scripts for words in dagger_commands(s)]
    assert len(invocations) == 1, invocations
    (words,) = invocations
    assert words[0] == "-c"
    script = re.sub(r"--commit=\S+?\)", "--commit=SHA)", words[1].replace("\\$", "$"))
    assert script == CI_SCRIPT
    assert shell_problems(script) == []


@pytest.mark.parametrize(
    ("path", "chains"),
    [
        (WORKFLOW, {"call publish", "call sign", "call attest"}),
        (GITLAB, {"call publish"}),
    ],
    ids=["github", "gitlab"],
)
def test_each_file_runs_the_pipeline(path: Path, chains: set[str]) -> None:
    found = {" ".join(w for w in shlex.split(c)[1:] if not w.startswith("-")) for c in commands(path)}
    assert chains <= found


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB], ids=["github", "gitlab"])
def test_publish_passes_every_flag_and_the_password_by_reference(path: Path) -> None:
    calls = [[w for w in shlex.split(c) if not w.startswith("--source")] for c in commands(path)]
    (publish,) = [words for words in calls if words[1:3] == ["call", "publish"]]
    flags = {w.split("=", 1)[0]: w.split("=", 1)[1] for w in publish[3:]}
    assert set(flags) == {"--address", "--version", "--commit", "--username", "--password", "--latest"}
    assert re.fullmatch(r"env:[A-Z_]+", flags["--password"])


def bench_compare_flags(path: Path) -> dict[str, str]:
    """Return the flags (constructor's and function's) of the file's one `dagger call … bench-compare`."""
    (words,) = [shlex.split(c) for c in commands(path) if "bench-compare" in shlex.split(c)]
    return {w.split("=", 1)[0]: w.split("=", 1)[1] for w in words if w.startswith("--")}


def test_github_compares_benchmarks_on_pull_requests_with_the_base_checked_out() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    (job,) = [j for j in doc["jobs"].values() if any("bench-compare" in s.get("run", "") for s in j["steps"])]
    assert job["if"] == "${{ github.event_name == 'pull_request' }}"
    assert job["permissions"] == {"contents": "read"}
    flags = bench_compare_flags(WORKFLOW)
    base = [s["with"] for s in job["steps"] if s.get("with", {}).get("path")]
    assert base == [
        {"ref": "${{ github.event.pull_request.base.sha }}", "path": flags["--exclude"], "persist-credentials": False}
    ]
    # The base checkout is not part of the change's source; its copy of the service is what is compared.
    assert flags["--base"] == f"{flags['--exclude']}/$SOURCE"
    assert float(flags["--threshold"]) > 0


def test_gitlab_compares_benchmarks_on_merge_requests_with_the_target_checked_out() -> None:
    job = yaml.safe_load(GITLAB.read_text())["bench-compare"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    flags = bench_compare_flags(GITLAB)
    assert f"git worktree add --detach {flags['--exclude']} FETCH_HEAD" in job["script"]
    assert any("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in line for line in job["script"])
    assert flags["--base"] == f"{flags['--exclude']}/$SOURCE"
    assert not [line for line in job["script"] if "dagger" in line and "|" in line]  # no pipe hides its exit


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB], ids=["github", "gitlab"])
def test_dagger_version_is_the_pinned_one(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    variables = doc["env"] if path == WORKFLOW else doc["variables"]
    assert variables["DAGGER_VERSION"] == pins.DAGGER_VERSION


def test_every_action_is_pinned_to_a_full_version() -> None:
    uses = re.findall(r"uses:\s*(\S+)", WORKFLOW.read_text())
    assert uses
    assert [u for u in uses if not re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+\.\d+\.\d+", u)] == []


def test_gitlab_images_are_pinned() -> None:
    images = re.findall(r"(?:image|name):\s*(docker:\S+)", GITLAB.read_text())
    assert sorted(images) == ["docker:29.7.2-cli", "docker:29.7.2-dind"]
    assert len({i.split(":")[1].split("-")[0] for i in images}) == 1  # client and daemon of one release


# --- the parser and the resolver on their own ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "want"),
    [
        ("dagger call test", [["call", "test"]]),
        (
            "cd app && dagger call build --version=v1 export --path dist; echo ok",
            [["call", "build", "--version=v1", "export", "--path", "dist"]],
        ),
        (
            'dagger call publish \\\n  --address="$A" \\\n  --latest\n',
            [["call", "publish", "--address=$A", "--latest"]],
        ),
        ("dagger call ci --commit=${{ github.sha }} | tee out", [["call", "ci", "--commit=EXPR"]]),
        ('dagger check\ndagger call scan summary >> "$GITHUB_STEP_SUMMARY"', [["check"], ["call", "scan", "summary"]]),
        ("echo dagger call test  # only a mention", []),
    ],
)
def test_dagger_commands_are_found(script: str, want: list[list[str]]) -> None:
    assert list(dagger_commands(script)) == want


@pytest.mark.parametrize(
    ("command", "want"),
    [
        ("call test junit export --path=junit.xml", []),
        ("call --go-version 1.26 test --race junit export --path junit.xml", []),
        ("call build --version v1 export --path dist --wipe", []),
        ("call tset", ["Pipeline (constructor) has no function or field 'tset'"]),
        ("call test --coverage 80", ["'test' has no flag --coverage"]),
        ("call test junitxml export", ["'test' has no function or field 'junitxml'"]),
        ("call test junit export --paht=x", ["'export' has no flag --paht"]),
        ("call --sauce=app ci", ["Pipeline (constructor) has no flag --sauce"]),
        ("check", []),
        ("check nope", ["no check 'nope'"]),
        ("-c", ["not a dagger call, check or -c script: -c"]),
        ("-c '. --source=app | ci | reports | export reports'", []),
        ("-c 'r=$(ci --commit=abc); $r | summary; $r | check'", []),
        ("-c '. --sauce=app | ci'", ["Pipeline (constructor) has no flag --sauce"]),
        ("-c 'ci | report'", ["'ci' has no function or field 'report'"]),
        ("-c '$r | check'", ["$r is not bound before it is used"]),
        ("-c 'ci | reports | export a b'", ["'export' takes no value 'b'"]),
        ("run echo", ["not a dagger call, check or -c script: run echo"]),
    ],
)
def test_problems_name_what_does_not_exist(command: str, want: list[str]) -> None:
    assert problems(shlex.split(command)) == want
