"""Generate a deterministic Go module shaped like a real service, for benchmarks (pure: no dagger).

`generate(dest)` writes a module with a main package at its root and N library packages under internal/:
each imports up to two lower-numbered packages (a layered graph, so a change in the middle recompiles and
relinks its dependents), a third of them use github.com/google/uuid, a third golang.org/x/text, a third
github.com/prometheus/client_golang, and every package but each fifth has a table-driven test. The same
arguments always give the same bytes; go.sum is filled by `go mod tidy` (the Go module proxy), unless the
caller passes the go.sum text to use. `edit(dest, n)` makes the benchmarks' one-line change.

    python bench/genmodule.py /tmp/gen 30     # write one by hand
"""

import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

MODULE: Final = "example.com/benchsvc"
GO_VERSION: Final = "1.26.0"
#: Third-party modules the packages import, at versions the Go module proxy serves.
REQUIRES: Final = {
    "github.com/google/uuid": "v1.6.0",
    "github.com/prometheus/client_golang": "v1.25.0",
    "golang.org/x/text": "v0.42.0",
}
#: Functions per package (the size of each package's compile).
FUNCS: Final = 12
EDIT_MARKER: Final = "// bench edit"
#: What makes this run's one-line changes its own (see edit_file).
RUN_TOKEN: Final = secrets.token_hex(4)
#: Each this many-th package has no test (most packages of a real service have tests; some do not).
NO_TEST_EVERY: Final = 5


def package_name(i: int) -> str:
    """Return the name (and folder under internal/) of library package i."""
    return f"p{i:02d}"


def imports_of(i: int) -> list[int]:
    """Return the library packages package i imports: i-1 and i//2 when they are lower and distinct."""
    return sorted({j for j in (i - 1, i // 2) if 0 <= j < i})


def has_test(i: int) -> bool:
    """Whether package i has a test file (every package but each fifth)."""
    return i % NO_TEST_EVERY != NO_TEST_EVERY - 1


def third_party(i: int) -> str:
    """Return which third-party module package i uses: uuid, text or prometheus."""
    return ("uuid", "text", "prometheus")[i % 3]


def edited_package(packages: int) -> int:
    """Return the package the one-line change edits: the middle of the graph (dependents recompile or relink)."""
    return packages // 2


def _imports(i: int, module: str) -> str:
    std = ['"fmt"', '"sort"', '"strings"']
    ours = [f'"{module}/internal/{package_name(j)}"' for j in sorted({0, *imports_of(i)}) if j != i]
    ext = {
        "uuid": ['"github.com/google/uuid"'],
        "text": ['"golang.org/x/text/cases"', '"golang.org/x/text/language"'],
        "prometheus": ['"github.com/prometheus/client_golang/prometheus"'],
    }[third_party(i)]
    groups = [std, sorted(ours + ext)]
    return "import (\n" + "\n\n".join("\n".join(f"\t{x}" for x in g) for g in groups if g) + "\n)\n"


def _record(i: int) -> str:
    """Return the Record type: declared by p00, an alias everywhere else."""
    doc = "// Record is what every package transforms.\n"
    if i == 0:
        return doc + "type Record struct {\n\tID    string\n\tName  string\n\tScore int\n\tTags  []string\n}\n"
    return doc + "type Record = p00.Record\n"


def _label(i: int) -> str:
    """Return the body of Label: the package's use of its third-party module."""
    kind = third_party(i)
    if kind == "uuid":
        return "\treturn uuid.NewSHA1(uuid.NameSpaceOID, []byte(s)).String()[:8]\n"
    if kind == "text":
        return "\treturn cases.Title(language.English).String(strings.ToLower(s))\n"
    return "\tops.Inc()\n\treturn strings.ToUpper(s)\n"


def _function(i: int, f: int) -> str:
    """Return transform function f of package i: a little real work per record."""
    op = ("+", "-", "*", "^")[f % 4]
    return (
        f"// Transform{f} scores records and keeps those above {f}, sorted by score.\n"
        f"func Transform{f}(in []Record) []Record {{\n"
        "\tout := make([]Record, 0, len(in))\n"
        "\tfor _, r := range in {\n"
        f"\t\tr.Score = (r.Score {op} {f + i + 1}) % 1000\n"
        "\t\tif r.Score < 0 {\n\t\t\tr.Score = -r.Score\n\t\t}\n"
        f"\t\tswitch {{\n\t\tcase r.Score%{f + 2} == 0:\n"
        f'\t\t\tr.Tags = append(r.Tags, "m{f}")\n'
        f"\t\tcase len(r.Name) > {f % 7 + 3}:\n"
        f"\t\t\tr.Name = r.Name[:{f % 7 + 3}]\n"
        "\t\tdefault:\n"
        f'\t\t\tr.Name = fmt.Sprintf("%s-{f}", r.Name)\n'
        "\t\t}\n"
        f"\t\tif r.Score > {f} {{\n\t\t\tout = append(out, r)\n\t\t}}\n"
        "\t}\n"
        "\tsort.SliceStable(out, func(a, b int) bool { return out[a].Score < out[b].Score })\n"
        "\treturn out\n"
        "}\n"
    )


def package_source(i: int, module: str = MODULE) -> str:
    """Return the Go source of library package i."""
    name = package_name(i)
    deps = imports_of(i)
    chain = "".join(f"\tin = {package_name(j)}.Pipeline(in)\n" for j in deps)
    metric = (
        f'var ops = prometheus.NewCounter(prometheus.CounterOpts{{Name: "{name}_ops_total", Help: "Labels made."}})\n\n'
        if third_party(i) == "prometheus"
        else ""
    )
    steps = "".join(f"\tin = Transform{f}(in)\n" for f in range(0, FUNCS, 3))
    return (
        f"// Package {name} is generated benchmark code: records through layered transforms.\n"
        f"package {name}\n\n"
        f"{_imports(i, module)}\n"
        f"{_record(i)}\n"
        f"{metric}"
        "// Label names a record with the package's third-party module.\n"
        f"func Label(s string) string {{\n{_label(i)}}}\n\n"
        "// Pipeline runs the imported packages, then this package's transforms.\n"
        f"func Pipeline(in []Record) []Record {{\n{chain}{steps}\treturn in\n}}\n\n"
        + "\n".join(_function(i, f) for f in range(FUNCS))
        + "\n// Summary joins the names of records.\n"
        "func Summary(in []Record) string {\n"
        "\tnames := make([]string, 0, len(in))\n"
        '\tfor _, r := range in {\n\t\tnames = append(names, Label(r.Name)+"="+fmt.Sprint(r.Score))\n\t}\n'
        '\treturn strings.Join(names, ",")\n'
        "}\n"
    )


def test_source(i: int) -> str:
    """Return the table-driven test of library package i."""
    name = package_name(i)
    return (
        f"package {name}\n\n"
        'import "testing"\n\n'
        "func TestTransform0(t *testing.T) {\n"
        "\ttests := []struct {\n\t\tname  string\n\t\tin    []Record\n\t\twants int\n\t}{\n"
        '\t\t{"empty", nil, 0},\n'
        '\t\t{"one", []Record{{ID: "a", Name: "alpha", Score: 500}}, -1},\n'
        '\t\t{"many", []Record{{Name: "a", Score: 1}, {Name: "b", Score: 2}, {Name: "c", Score: 3}}, -1},\n'
        "\t}\n"
        "\tfor _, tt := range tests {\n"
        "\t\tt.Run(tt.name, func(t *testing.T) {\n"
        "\t\t\tgot := Transform0(tt.in)\n"
        "\t\t\tif tt.wants >= 0 && len(got) != tt.wants {\n"
        '\t\t\t\tt.Fatalf("len = %d, want %d", len(got), tt.wants)\n'
        "\t\t\t}\n"
        "\t\t\tfor k := 1; k < len(got); k++ {\n"
        "\t\t\t\tif got[k-1].Score > got[k].Score {\n"
        '\t\t\t\t\tt.Fatalf("not sorted at %d: %v", k, got)\n'
        "\t\t\t\t}\n"
        "\t\t\t}\n"
        "\t\t})\n"
        "\t}\n"
        "}\n\n"
        "func TestLabel(t *testing.T) {\n"
        '\tif got := Label("some name"); got == "" {\n'
        '\t\tt.Fatal("empty label")\n'
        "\t}\n"
        "}\n"
    )


def main_source(packages: int, module: str = MODULE) -> str:
    """Return the root main package: it runs every library package's pipeline."""
    imports = "\n".join(f'\t"{module}/internal/{package_name(i)}"' for i in range(packages))
    calls = "".join(
        f"\tout = append(out, {package_name(i)}.Summary({package_name(i)}.Pipeline(in)))\n" for i in range(packages)
    )
    return (
        "// Command benchsvc is generated benchmark code: it runs every package's pipeline once.\n"
        "package main\n\n"
        f'import (\n\t"fmt"\n\t"strings"\n\n{imports}\n)\n\n'
        "// version is stamped at build time (-X main.version).\n"
        'var version = "dev"\n\n'
        "func records() []p00.Record {\n"
        "\tout := make([]p00.Record, 0, 16)\n"
        "\tfor i := range 16 {\n"
        '\t\tout = append(out, p00.Record{ID: fmt.Sprint(i), Name: fmt.Sprintf("record-%d", i), Score: i * 37})\n'
        "\t}\n"
        "\treturn out\n"
        "}\n\n"
        "func report() string {\n"
        "\tin := records()\n"
        "\tout := make([]string, 0, 64)\n"
        f"{calls}"
        '\treturn strings.Join(out, "\\n")\n'
        "}\n\n"
        "func main() {\n"
        '\tfmt.Println("benchsvc", version, len(report()))\n'
        "}\n"
    )


def main_test_source() -> str:
    """Return the root package's test."""
    return (
        "package main\n\n"
        'import "testing"\n\n'
        "func TestReport(t *testing.T) {\n"
        '\tif report() == "" {\n'
        '\t\tt.Fatal("empty report")\n'
        "\t}\n"
        "}\n"
    )


def go_mod(module: str = MODULE) -> str:
    """Return go.mod before tidy: the direct requirements, pinned."""
    reqs = "\n".join(f"\t{m} {v}" for m, v in sorted(REQUIRES.items()))
    return f"module {module}\n\ngo {GO_VERSION}\n\nrequire (\n{reqs}\n)\n"


def files(packages: int, module: str = MODULE) -> dict[str, str]:
    """Return every file of the module (path relative to its root → text), go.sum excepted."""
    if packages < 2:  # noqa: PLR2004 (the graph needs a root and a dependent)
        msg = f"packages: need at least 2, got {packages}"
        raise ValueError(msg)
    out = {"go.mod": go_mod(module), "main.go": main_source(packages, module), "main_test.go": main_test_source()}
    for i in range(packages):
        folder = f"internal/{package_name(i)}"
        out[f"{folder}/{package_name(i)}.go"] = package_source(i, module)
        if has_test(i):
            out[f"{folder}/{package_name(i)}_test.go"] = test_source(i)
    return out


def generate(
    dest: Path,
    packages: int = 30,
    *,
    module: str = MODULE,
    go_sum: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Write the module into dest (created; existing files overwritten) and return dest.

    go.sum is go_sum when given, else what `go mod tidy` writes (it reaches the Go module proxy, with env).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for rel, text in files(packages, module).items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if go_sum is not None:
        (dest / "go.sum").write_text(go_sum)
    else:
        subprocess.run(
            ["go", "mod", "tidy"], cwd=dest, env={**os.environ, **(env or {})}, check=True, capture_output=True
        )
    return dest


def edit_file(path: Path, n: int) -> Path:
    """Make the n-th one-line change to a Go file (gofmt-clean); return it.

    The line carries this run's token: an edit that another benchmark run made would be answered from the
    engine's cache (the same source, byte for byte), and the figure would not be a change at all.
    """
    kept = [ln for ln in path.read_text().splitlines() if EDIT_MARKER not in ln]
    path.write_text("\n".join(kept).rstrip() + f'\n\nvar _ = "{RUN_TOKEN}-{n}" {EDIT_MARKER}\n')
    return path


def edit(dest: Path, n: int, packages: int = 30) -> Path:
    """Make the n-th one-line change (a real code change in the middle package); return the edited file."""
    name = package_name(edited_package(packages))
    return edit_file(dest / "internal" / name / f"{name}.go", n)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30  # noqa: PLR2004 (argv[2] is optional)
    print(generate(target, count))
