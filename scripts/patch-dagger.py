#!/usr/bin/env python3
"""Make the Dagger module source buildable from the Go module proxy alone.

The proxy reachable here does not serve seven of the modules that dagger's go.mod
requires (the CLI's terminal UI, libsecret, the Dang SDK, two nested modules).
This script edits a *copy* of the module in the build cache so that the engine
builds without them:

* ``dagql/idtui`` (the CLI's TUI) keeps only its symbols and colour output; the
  engine uses it to print a banner when a terminal attaches, so a one-line
  ``Dump`` replaces the call-graph renderer.
* ``util/scrub`` loses a regexp built from midterm's reset sequence.
* ``libsecret://`` secret URIs and the Dang SDK answer "not built in".
* ``engine/distconsts`` (a leaf package of paths) is written for this host.
* ``network/netinst/dnsmasq.go``: the engine's dnsmasq gets ``bind-dynamic``, so it binds its own bridge's
  addresses and not the wildcard: two engines can then run on one host (a second engine over tcp:// in the
  tests); the official image has a network namespace of its own and never meets the other one. Not
  ``bind-interfaces``: the engine starts dnsmasq before its first container creates the bridge, and
  ``bind-interfaces`` binds at start, so on a host where the bridge does not exist yet dnsmasq exits 2
  ("unknown interface") and the first container fails in dnsname (no pidfile). ``bind-dynamic`` binds each
  address when it appears (netlink), as dnsmasq's manual gives for interfaces that come and go.
* Module mode: the builtin ``python`` SDK is ``scripts/sdk/python/python_sdk.go``, written into ``core/sdk``: the
  runtime of Python modules in the engine process, where upstream loads a module (Go, generated and compiled by the
  Go SDK on every new engine) that builds the same containers.
* No Go SDK image is made (no module here is written in Go), so ``dagger init --sdk=go`` fails on this engine.

Every edit must apply exactly once, so a new dagger version fails loudly here
rather than building something different. Usage: ``patch-dagger.py SRC_DIR``.
"""

import subprocess
import sys
from pathlib import Path

UNSERVED = [
    "github.com/goproxy/goproxy",
    "github.com/jedevc/go-libsecret",
    "github.com/vito/bubbline",
    "github.com/vito/dang",
    "github.com/vito/dang/v2",
    "github.com/vito/midterm",
    "github.com/vito/tuist",
    "github.com/vito/tuist/teav1",
]

IDTUI_KEEP = {"output.go", "symbols.go"}

IDTUI_SHIM = """package idtui

import (
\t"fmt"

\t"github.com/muesli/termenv"

\t"github.com/dagger/dagger/dagql/call"
)

// SkipLoggedOutTraceMsgEnvs silence the cloud nag (kept for util/scrub).
var SkipLoggedOutTraceMsgEnvs = []string{"DAGGER_NO_NAG", "NOTHANKS", "SHUTUP"}

// Dump prints a call ID on one line (the TUI's renderer is not built here).
type Dump struct {
\tNewline string
\tPrefix  string
}

// DumpID writes id's display form.
func (d *Dump) DumpID(out *termenv.Output, id *call.ID) error {
\t_, err := fmt.Fprint(out, d.Prefix+id.Display())
\treturn err
}
"""

LIBSECRET_STUB = """package secretprovider

import (
\t"context"
\t"errors"
)

func libsecretProvider(_ context.Context, _ string) ([]byte, error) {
\treturn nil, errors.New("libsecret:// secrets are not built into this engine")
}
"""

DANG_STUB = """
type dangUnavailable struct{}

var errDangUnavailable = fmt.Errorf("the dang SDK is not built into this engine")

func (dangUnavailable) ModuleTypes(
\tcontext.Context,
\t*core.SchemaBuilder,
\tdagql.ObjectResult[*core.ModuleSource],
\tdagql.ObjectResult[*core.Module],
) (inst dagql.ObjectResult[*core.Module], err error) {
\treturn inst, errDangUnavailable
}

func (dangUnavailable) Runtime(
\tcontext.Context,
\t*core.SchemaBuilder,
\tdagql.ObjectResult[*core.ModuleSource],
) (core.ModuleRuntime, error) {
\treturn nil, errDangUnavailable
}
"""

DISTCONSTS = """// Package distconsts holds the host layout of this project's own engine build.
package distconsts

const (
\tEngineDefaultStateDir            = "/var/lib/dagger"
\tEngineContainerName              = "dagger-engine.dev"
\tEngineContainerBuiltinContentDir = "/usr/local/share/dagger/content"
\tEngineCustomCACertsDir           = "/usr/local/share/ca-certificates"
\tDefaultEngineSockAddr            = "unix:///run/dagger/engine.sock"
\tRuncPath                         = "/usr/local/bin/runc"
\tDaggerInitPath                   = "/usr/local/bin/dagger-init"
\tOCIVersionAnnotation             = "org.opencontainers.image.version"

\tGoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
\tPythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
\tTypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"

\tAlpineVersion = "3.22.1"
\tAlpineImage   = "alpine:" + AlpineVersion
\tGolangImage   = "golang:1.26-alpine"
\tBusyboxImage  = "busybox:1.37.0"
)
"""


#: The builtin Python SDK's runtime, in the engine.
PYTHON_SDK = Path(__file__).resolve().parent / "sdk/python/python_sdk.go"


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace old by new in path, failing unless old occurs exactly once."""
    text = path.read_text()
    if text.count(old) != 1:
        sys.exit(f"patch-dagger: expected one {old!r} in {path}, found {text.count(old)}")
    path.write_text(text.replace(old, new))


def main(src: Path) -> None:
    """Apply every edit to the module copy at src."""
    idtui = src / "dagql/idtui"
    for f in idtui.glob("*.go"):
        if f.name not in IDTUI_KEEP:
            f.unlink()
    (idtui / "engine_shim.go").write_text(IDTUI_SHIM)

    scrub = src / "util/scrub/scrub.go"
    replace_once(scrub, '\t"github.com/vito/midterm"\n', "")
    replace_once(scrub, "regexp.QuoteMeta(midterm.Reset.Render())", 'regexp.QuoteMeta("\\x1b[0m")')

    (src / "engine/client/secretprovider/libsecret.go").write_text(LIBSECRET_STUB)

    dang = src / "core/sdk/dang_sdk.go"
    replace_once(dang, '\tdangv1 "github.com/dagger/dagger/core/sdk/dang/v1"\n', "")
    replace_once(dang, '\tdangv2 "github.com/dagger/dagger/core/sdk/dang/v2"\n', "")
    replace_once(dang, "return dangv2.Impl{}", "return dangUnavailable{}")
    replace_once(dang, "return dangv1.Impl{}", "return dangUnavailable{}")
    dang.write_text(dang.read_text() + DANG_STUB)
    for sub in ("core/sdk/dang",):
        subprocess.run(["rm", "-rf", str(src / sub)], check=True)

    consts = src / "engine/distconsts"
    consts.mkdir(parents=True, exist_ok=True)
    (consts / "go.mod").write_text("module github.com/dagger/dagger/engine/distconsts\n\ngo 1.22\n")
    (consts / "distconsts.go").write_text(DISTCONSTS)

    dnsmasq = src / "network/netinst/dnsmasq.go"
    replace_once(
        dnsmasq,
        "except-interface=lo\ninterface={{.NetworkInterface}}\n",
        "except-interface=lo\ninterface={{.NetworkInterface}}\nbind-dynamic\n",
    )

    (src / "core/sdk/python_native.go").write_text(PYTHON_SDK.read_text())
    replace_once(
        src / "core/sdk/loader.go",
        "return l.loadBuiltinSDK(ctx, root, sdk, digest.Digest(os.Getenv(distconsts.PythonSDKManifestDigestEnvName)))",
        "return newPythonSDK(root, sdk)",
    )

    drops = [f"-droprequire={m}" for m in UNSERVED]
    subprocess.run(["go", "mod", "edit", "-dropreplace=dagger.io/dagger", *drops], cwd=src, check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
