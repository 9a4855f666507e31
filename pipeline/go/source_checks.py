"""gofmt, go mod tidy and go vet: fixers that return a Changeset, and the checks built on them."""

from typing import Final

import dagger

from pipeline.core.errors import PipelineError
from pipeline.core.execs import run
from pipeline.core.jsonstream import vet_results

from .builder import COMPILE_FLAGS, SRC, GoEnv
from .builder_modfiles import GoMod

#: Every Go file of a package, as `go list` sees it (build-constrained ones included), one path a line.
GO_FILES: Final = (
    "{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}\n{{end}}{{range .CgoFiles}}{{$d}}/{{.}}\n{{end}}"
    "{{range .TestGoFiles}}{{$d}}/{{.}}\n{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}\n{{end}}"
    "{{range .IgnoredGoFiles}}{{$d}}/{{.}}\n{{end}}"
)


async def formatted(env: GoEnv, source: dagger.Directory) -> dagger.Changeset:
    """Return what gofmt changes in the Go files of the module's packages (vendor/ and testdata/ left alone).

    The files come from `go list` (which, unlike `go fmt`, also works at a go.work root).
    """
    ctr = await env.deps(source)
    listed = await run(ctr, ["go", "list", "-e", "-f", GO_FILES, *env.patterns(["./..."])], "fmt", env.step_timeout)
    files = sorted({line for line in listed.stdout.splitlines() if line.endswith(".go")})
    if listed.code != 0 or not files:
        raise PipelineError("fmt", "go list found no Go files to format", listed.stderr or listed.stdout)
    res = await run(ctr, ["gofmt", "-l", "-w", *files], "fmt", env.step_timeout)
    if res.code != 0:
        raise PipelineError("fmt", "gofmt could not parse the source", res.stderr or res.stdout)
    return res.container.directory(SRC).changes(source)


async def tidied(env: GoEnv, source: dagger.Directory, project: GoMod) -> dagger.Changeset:
    """Return what `go mod tidy` changes in go.mod/go.sum of the module (or of each workspace module)."""
    ctr = await env.deps(source)
    for module in project.uses or (".",):
        res = await run(ctr.with_workdir(f"{SRC}/{module}"), ["go", "mod", "tidy"], "tidy", env.step_timeout)
        if res.code != 0:
            raise PipelineError("tidy", f"`go mod tidy` failed in {module}", res.stderr or res.stdout)
        ctr = res.container
    return ctr.directory(SRC).changes(source)


async def require_unchanged(step: str, changes: dagger.Changeset, what: str, fix: str) -> None:
    """Fail naming the files a fixer would change, with the patch; pass when it changes nothing."""
    paths = sorted({*await changes.modified_paths(), *await changes.added_paths(), *await changes.removed_paths()})
    if paths:
        patch = await changes.as_patch().contents()
        raise PipelineError(step, f"{len(paths)} file(s) {what}: {', '.join(paths)} (fix: {fix})", patch)


def vet_argv(env: GoEnv, tags: tuple[str, ...], *extra: str) -> list[str]:
    """Return `go vet` of every package, with the build's compile flags (its compiles are the build's) and tags."""
    return ["go", "vet", *extra, *COMPILE_FLAGS, *(["-tags", ",".join(tags)] if tags else []), *env.patterns(["./..."])]


async def vet(env: GoEnv, source: dagger.Directory, tags: tuple[str, ...]) -> None:
    """Fail with every finding of go vet."""
    res = await run(await env.deps(source), vet_argv(env, tags), "vet", env.step_timeout)
    if res.code != 0:
        check_vet([ln for ln in res.stderr.splitlines() if ln and not ln.startswith("#")])


def check_vet(findings: list[str]) -> None:
    """Fail with go vet's findings, one a line; pass when there are none."""
    if findings:
        raise PipelineError("vet", f"go vet reported {len(findings)} finding(s)", "\n".join(findings))


def vet_findings(vet_json: str) -> list[str]:
    """Return `go vet -json`'s findings as go vet prints them: "main.go:16:2: message", relative to the source.

    An analyzer that could not run on a package reads "example.com/x: printf: type error". Pure logic.
    """
    found: list[str] = []
    for package, analyzer, error, diagnostics in vet_results(vet_json):
        if error is not None:
            found.append(f"{package}: {analyzer}: {error}")
        for d in diagnostics:
            posn = str(d.get("posn", "")).removeprefix(f"{SRC}/")
            found.append(f"{posn}: {d.get('message', '')}")
    return found


async def vet_json(env: GoEnv, source: dagger.Directory, tags: tuple[str, ...]) -> str:
    """Return go vet's findings as JSON (`go vet -json`, which exits 0 with findings); fail when vet cannot run."""
    res = await run(await env.deps(source), vet_argv(env, tags, "-json"), "vet", env.step_timeout)
    if res.code != 0:
        raise PipelineError("vet", "go vet could not analyse the source", res.stderr or res.stdout)
    return res.stdout + "\n" + res.stderr
