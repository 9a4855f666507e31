#!/usr/bin/env python3
"""Make the Dagger CLI (``./cmd/dagger``) buildable from the Go module proxy alone.

Run it on a copy of ``github.com/dagger/dagger`` that ``patch-dagger.py`` has already
edited, with the pristine module directory (``go mod download -json`` ``Dir``) as the
second argument: ``patch-dagger-cli.py SRC_DIR PRISTINE_MODULE_DIR``. The engine still
builds from the same copy afterwards.

``patch-dagger.py`` cuts ``dagql/idtui`` (the CLI's terminal UI) down to what the engine
needs. The CLI needs the rest of that package, but its full-screen UI is written on
tuist, midterm and bubbline, which the proxy refuses. This script therefore builds a
CLI whose only progress output is ``--progress=plain``:

* ``dagql/idtui`` is restored from the pristine module (every non-test ``.go`` file,
  replacing the engine shim ``engine_shim.go``), then these files, which are the
  full-screen UI or only serve it, are deleted: ``frontend_pretty.go`` (the "tty" and
  "report" frontends), ``frontend_dots.go`` and ``frontend_logs.go`` (the "dots" and
  "logs" frontends, which render their final report with the pretty one),
  ``frontend_streaming_logs.go`` (log exporter of those two), ``frontend_log_pager.go``,
  ``search.go``, ``keymap.go``, ``notification.go``, ``error_label.go`` (tuist
  components) and ``vterm.go`` (the midterm terminal emulator).
* ``frontend_tests.go`` (the test report; mostly tuist components) is rewritten to keep
  only the declarations, copied verbatim from the pristine file, that the plain
  frontend's final test summary and ``frontend_claims.go`` call (``TEST_SUMMARY_DECLS``).
* ``plain_only.go`` (written here, not upstream code) supplies what the kept files used
  from the deleted ones: the ``TermOutput`` interface; ``Vterm``, now a plain byte buffer
  of a span's logs (written, counted in lines and printed back verbatim, never emulated
  or re-wrapped; Markdown is kept as source); a ``TestView`` holding only the fields the
  summary reads; ``traceMessage`` (the "Full trace at" line);
  ``handleTelemetryErrorOutput``; ``KeyEnabled`` (used by the shell's key bindings); the
  ``ErrShellExited``/``ErrInterrupted`` sentinels that ``main.go`` maps to exit codes
  (only the full-screen UI returned them); and ``Completion``/``CompletionResult`` in
  place of tuist's completion types.
* ``frontend.go``: the ``ShellHandler`` interface returns that ``CompletionResult``
  instead of tuist's (its import goes).
* ``cmd/dagger/shell.go`` and ``shell_completion.go`` import ``dagql/idtui`` under the
  name ``tuist`` instead of ``github.com/vito/tuist``, so their completion code compiles
  unchanged against those types. Scripts still run (``dagger -c '…'``, ``dagger shell
  FILE``, a script on stdin); the interactive shell (stdin is a terminal) returns an
  error saying it is not built into this CLI, instead of starting the REPL.
* ``cmd/dagger/main.go``: ``--progress=auto`` picks ``plain`` where it picked ``tty``
  (a terminal) or ``report`` (``CLAUDECODE=1``); an explicit ``tty``, ``dots``, ``logs``
  or ``report`` exits 1 with "… is not built into this CLI; use --progress=plain".
  ``DAGGER_PROGRESS`` is still honoured the same way.

``libsecret://`` secrets already answer "not built into this engine" through
``patch-dagger.py``'s stub: the secret provider runs in the CLI, so that is the message
``dagger`` prints for them too.

The interactive shell, the full-screen UI and the "dots"/"logs"/"report" outputs are
the only features cut; no other package of the CLI imports a refused module.

The written and edited files are passed through ``gofmt`` (import order only).

Every edit must apply exactly once (and every kept declaration must be found exactly
once), so a new dagger version fails loudly here rather than building something
different.
"""

import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
replace_once: Callable[[Path, str, str], None] = runpy.run_path(str(HERE / "patch-dagger.py"))["replace_once"]

IDTUI_DROP = [
    "engine_shim.go",
    "error_label.go",
    "frontend_dots.go",
    "frontend_log_pager.go",
    "frontend_logs.go",
    "frontend_pretty.go",
    "frontend_streaming_logs.go",
    "keymap.go",
    "notification.go",
    "search.go",
    "vterm.go",
]

# Declarations of frontend_tests.go kept for the plain frontend's test summary.
TEST_SUMMARY_DECLS = [
    "func renderTestCountParts(",
    "func (tv *TestView) renderTestSummaryLines(",
    "func (tv *TestView) renderTestSummaryHeader(",
    "func renderTestViewerHint(",
    "func renderInspectKeyHint(",
    "func (tv *TestView) renderTestSummaryEntry(",
    "func (tv *TestView) renderTestSummaryPassingSuite(",
    "func (tv *TestView) renderTestSummaryLogs(",
    "func renderTestSummaryCounts(",
    "func (tv *TestView) testSummaryFinal(",
    "func clipTestSummaryLine(",
    "func testSummaryStatus(",
    "type testSummaryEntry struct",
    "type testSummaryEntries struct",
    "func collectTestSummaryEntries(",
    "func testSummaryPassingSuite(",
    "func testSummarySuiteLabel(",
    "func testSummarySpanHierarchyLabel(",
    "func finalTestViewHeight(",
    "func testTUISpan(",
    "func testNodeDisplayName(",
    "func testCategoryIcon(",
    "func testCategoryColor(",
    "func cropLines(",
    "func clipPlain(",
    "func clipANSI(",
]

TEST_SUMMARY_HEADER = """// Code kept by patch-dagger-cli.py from upstream frontend_tests.go: only the
// declarations behind the plain frontend's final test summary. DO NOT EDIT.

package idtui

import (
\t"fmt"
\t"strings"

\t"charm.land/lipgloss/v2"
\t"github.com/muesli/termenv"

\t"github.com/dagger/dagger/dagql/dagui"
)
"""

PLAIN_ONLY = """package idtui

// This file stands in for the parts of the terminal UI that need modules the Go
// module proxy does not serve (tuist, midterm, bubbline): only the plain frontend is
// built. Written by the project's scripts/patch-dagger-cli.py.

import (
\t"bytes"
\t"errors"
\t"fmt"
\t"io"
\t"strings"
\t"sync"

\t"github.com/charmbracelet/bubbles/key"
\t"github.com/muesli/termenv"

\t"github.com/dagger/dagger/dagql/dagui"
)

// Errors the full-screen UI ends a run with; main.go maps them to exit codes.
var (
\tErrShellExited = errors.New("shell exited")
\tErrInterrupted = errors.New("interrupted")
)

// TermOutput is what the renderers need from a termenv.Output.
type TermOutput interface {
\tio.Writer
\tString(...string) termenv.Style
\tColorProfile() termenv.Profile
}

// Completion is one shell completion candidate.
type Completion struct {
\tLabel  string
\tDetail string
}

// CompletionResult is what a ShellHandler offers for the word at the cursor. Nothing
// reads it here: the interactive shell is not built in.
type CompletionResult struct {
\tItems       []Completion
\tReplaceFrom int
}

// Vterm collects a span's log output as written, without emulating a terminal: the
// plain frontend only prints it back.
type Vterm struct {
\tProfile termenv.Profile
\tWidth   int

\tmu  sync.Mutex
\tbuf bytes.Buffer
}

// NewVterm returns an empty log buffer.
func NewVterm(profile termenv.Profile) *Vterm {
\treturn &Vterm{Profile: profile}
}

// Write appends p.
func (term *Vterm) Write(p []byte) (int, error) {
\tterm.mu.Lock()
\tdefer term.mu.Unlock()
\treturn term.buf.Write(p)
}

// WriteMarkdown appends Markdown source as is (it is not rendered).
func (term *Vterm) WriteMarkdown(p []byte) (int, error) {
\treturn term.Write(p)
}

// SetWidth records the width; lines are never re-wrapped.
func (term *Vterm) SetWidth(width int) {
\tterm.mu.Lock()
\tdefer term.mu.Unlock()
\tterm.Width = width
}

// UsedHeight counts the lines written so far (an unterminated last line counts).
func (term *Vterm) UsedHeight() int {
\tterm.mu.Lock()
\tdefer term.mu.Unlock()
\tb := term.buf.Bytes()
\tif len(b) == 0 {
\t\treturn 0
\t}
\tn := bytes.Count(b, []byte("\\n"))
\tif b[len(b)-1] != '\\n' {
\t\tn++
\t}
\treturn n
}

// Print writes every line with its trailing blanks trimmed.
func (term *Vterm) Print(w io.Writer) error {
\tterm.mu.Lock()
\ttext := strings.TrimSuffix(term.buf.String(), "\\n")
\tterm.mu.Unlock()
\tif text == "" {
\t\treturn nil
\t}
\tfor _, line := range strings.Split(text, "\\n") {
\t\tif _, err := fmt.Fprintln(w, strings.TrimRight(line, " \\r")); err != nil {
\t\t\treturn err
\t\t}
\t}
\treturn nil
}

// PrintRaw writes the bytes exactly as they were written.
func (term *Vterm) PrintRaw(w io.Writer) error {
\tterm.mu.Lock()
\tdefer term.mu.Unlock()
\t_, err := w.Write(term.buf.Bytes())
\treturn err
}

// TestView holds what the plain frontend's final test summary reads.
type TestView struct {
\tProfile            termenv.Profile
\tLogs               map[dagui.SpanID]*Vterm
\tSummaryIndent      int
\tSummaryLogLines    int
\tShowTestViewerHint bool
}

// traceMessage is the "Full trace at URL" line printed after a command.
func traceMessage(profile termenv.Profile, url string, msg string) string {
\tvar buf bytes.Buffer
\tout := NewOutput(&buf, termenv.WithProfile(profile))
\tfmt.Fprint(&buf, out.String("Full trace at ").Bold().String(), url)
\tif msg != "" {
\t\tfmt.Fprintf(&buf, " (%s)", msg)
\t}
\treturn buf.String()
}

// handleTelemetryErrorOutput warns that exporting telemetry failed.
func handleTelemetryErrorOutput(w io.Writer, to TermOutput, err error) {
\tif err == nil {
\t\treturn
\t}
\tfmt.Fprintf(w, "%s - failures detected while emitting telemetry. trace information incomplete\\n(%s)\\n\\n",
\t\tto.String("WARN").Foreground(termenv.ANSIYellow), err)
}

// KeyEnabled switches a key binding on or off (the shell builds its keymap with it).
func KeyEnabled(enabled bool) key.BindingOpt {
\treturn func(b *key.Binding) { b.SetEnabled(enabled) }
}
"""

NO_TUI = "is not built into this CLI (the terminal UI needs modules the Go proxy does not serve)"


def top_level_decls(text: str) -> list[tuple[str, str]]:
    """Split gofmt'd Go source into (first line, text with doc comment) declarations."""
    lines = text.splitlines(keepends=True)
    decls: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"(func|type|var|const) ", line):
            start = i
            while start > 0 and lines[start - 1].startswith("//"):
                start -= 1
            end = i
            if line.rstrip().endswith(("{", "(")):
                end = i + 1
                while lines[end].rstrip() not in ("}", ")"):
                    end += 1
            decls.append((line, "".join(lines[start : end + 1])))
            i = end + 1
        else:
            i += 1
    return decls


def keep_decls(text: str, wanted: list[str]) -> str:
    """Return the declarations of text whose first line starts with each of wanted."""
    decls = top_level_decls(text)
    out: list[str] = []
    for prefix in wanted:
        found = [body for first, body in decls if first.startswith(prefix)]
        if len(found) != 1:
            sys.exit(f"patch-dagger-cli: expected one declaration {prefix!r}, found {len(found)}")
        out.append(found[0])
    return "\n".join(out)


def patch_idtui(src: Path, pristine: Path) -> None:
    """Restore the TUI package and cut it down to the plain frontend."""
    idtui = src / "dagql/idtui"
    for f in (pristine / "dagql/idtui").glob("*.go"):
        if not f.name.endswith("_test.go"):
            shutil.copyfile(f, idtui / f.name)
    for name in IDTUI_DROP:
        (idtui / name).unlink(missing_ok=name == "engine_shim.go")

    tests = (pristine / "dagql/idtui/frontend_tests.go").read_text()
    (idtui / "frontend_tests.go").write_text(TEST_SUMMARY_HEADER + "\n" + keep_decls(tests, TEST_SUMMARY_DECLS))
    (idtui / "plain_only.go").write_text(PLAIN_ONLY)

    frontend = idtui / "frontend.go"
    replace_once(frontend, '\t"github.com/vito/tuist"\n', "")
    replace_once(frontend, "cursorPos int) tuist.CompletionResult", "cursorPos int) CompletionResult")


def patch_cmd(src: Path) -> None:
    """Point the CLI at the plain frontend and the idtui completion types."""
    cmd = src / "cmd/dagger"
    for name in ("shell.go", "shell_completion.go"):
        replace_once(cmd / name, '\t"github.com/vito/tuist"\n', '\ttuist "github.com/dagger/dagger/dagql/idtui"\n')
    replace_once(
        cmd / "shell.go",
        "\tFrontend.Shell(ctx, h)\n\n\treturn nil\n",
        f'\treturn fmt.Errorf("the interactive dagger shell {NO_TUI}; '
        'pass a script with -c, as a file, or on stdin")\n',
    )

    main = cmd / "main.go"
    replace_once(main, '\t\t\tprogress = "report"\n', '\t\t\tprogress = "plain" // "report" is not built in\n')
    replace_once(main, '\t\t\tprogress = "tty"\n', '\t\t\tprogress = "plain" // "tty" is not built in\n')
    replace_once(
        main,
        """\tcase "tty":
\t\tif !hasTTY {
\t\t\tfmt.Fprintf(stderr, "no tty available for progress %q\\n", progress)
\t\t\texitWithCode(1)
\t\t}
\t\tFrontend = idtui.NewPretty(stderr)
\tcase "dots":
\t\tFrontend = idtui.NewDots(stderr)
\tcase "logs":
\t\tFrontend = idtui.NewLogs(stderr)
\tcase "report":
\t\tFrontend = idtui.NewReporter(stderr)
""",
        f"""\tcase "tty", "dots", "logs", "report":
\t\tfmt.Fprintf(stderr, "progress %q {NO_TUI}; use --progress=plain\\n", progress)
\t\texitWithCode(1)
""",
    )


def main(src: Path, pristine: Path) -> None:
    """Apply every edit to the module copy at src, reading upstream files from pristine."""
    if not (src / "engine/distconsts/distconsts.go").exists():
        sys.exit("patch-dagger-cli: run patch-dagger.py on the copy first")
    patch_idtui(src, pristine)
    patch_cmd(src)
    touched = ["dagql/idtui/frontend_tests.go", "dagql/idtui/plain_only.go", "dagql/idtui/frontend.go"]
    touched += [f"cmd/dagger/{name}" for name in ("main.go", "shell.go", "shell_completion.go")]
    subprocess.run(["gofmt", "-w", *touched], cwd=src, check=True)


if __name__ == "__main__":
    match sys.argv[1:]:
        case [src, pristine]:
            main(Path(src), Path(pristine))
        case _:
            sys.exit("usage: patch-dagger-cli.py SRC_DIR PRISTINE_MODULE_DIR")
