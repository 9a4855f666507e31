"""One SARIF 2.1.0 log for code scanning: go vet's findings as a run, merged with govulncheck's and Trivy's runs.

go vet has no SARIF output; its -json output (one object per package: analyzer -> diagnostics, or an error) is
turned into a run here, with paths relative to the source root (%SRCROOT%, as govulncheck writes them). Every run
gets an automationDetails id, which code scanning uses to tell runs of one upload apart. Pure logic: no dagger.
"""

import json
import re
from typing import Any, Final, cast

from pipeline.core.jsonstream import vet_results

VERSION: Final = "2.1.0"
SCHEMA: Final = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT: Final = "%SRCROOT%"
_POSN: Final = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?$")

Run = dict[str, Any]


def _region(posn: str, end: str, root: str) -> tuple[str, dict[str, int]]:
    """Return (path relative to root, SARIF region) for a go vet position file:line:col."""
    m = _POSN.match(posn)
    if m is None:
        return posn.removeprefix(root), {}
    region = {"startLine": int(m["line"])}
    if m["col"]:
        region["startColumn"] = int(m["col"])
    e = _POSN.match(end) if end else None
    if e is not None and e["file"] == m["file"]:
        region["endLine"] = int(e["line"])
        if e["col"]:
            region["endColumn"] = int(e["col"])
    return m["file"].removeprefix(root).lstrip("/"), region


def vet_run(vet_json: str, root: str, go_version: str = "") -> Run:
    """Turn `go vet -json` output into one SARIF run; root is the source's path in the container (e.g. /src)."""
    results: list[dict[str, Any]] = []
    analyzers: set[str] = set()
    for package, analyzer, error, diagnostics in vet_results(vet_json):
        analyzers.add(analyzer)
        if error is not None:  # the analyzer could not run on the package
            results.append({"ruleId": analyzer, "level": "error", "message": {"text": f"{package}: {error}"}})
        for d in diagnostics:
            path, region = _region(str(d.get("posn", "")), str(d.get("end", "")), root)
            location: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": SRCROOT}}
            if region:
                location["region"] = region
            results.append(
                {
                    "ruleId": analyzer,
                    "level": "warning",
                    "message": {"text": str(d.get("message", ""))},
                    "locations": [{"physicalLocation": location}],
                }
            )
    driver: dict[str, Any] = {
        "name": "go vet",
        "informationUri": "https://pkg.go.dev/cmd/vet",
        "rules": [
            {
                "id": a,
                "shortDescription": {"text": f"go vet analyzer {a}"},
                "helpUri": f"https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/{a}",
            }
            for a in sorted(analyzers)
        ],
    }
    if go_version:
        driver["version"] = go_version
    return {"tool": {"driver": driver}, "results": results}


def runs_of(log_json: str, what: str) -> list[Run]:
    """Return the runs of a SARIF 2.1.0 log, or raise ValueError naming the tool whose output it is not."""
    try:
        log = json.loads(log_json)
    except json.JSONDecodeError as e:
        msg = f"{what} wrote no SARIF: {e}"
        raise ValueError(msg) from None
    if not isinstance(log, dict) or cast("dict[str, Any]", log).get("version") != VERSION:
        msg = f"{what} wrote no SARIF {VERSION} log"
        raise ValueError(msg)
    return list(cast("list[Run]", cast("dict[str, Any]", log).get("runs") or []))


def merge(runs: dict[str, Run]) -> str:
    """Return one SARIF log holding each run, labelled with its category (automationDetails.id = pipeline/<name>/)."""
    labelled: list[Run] = []
    for name, run in runs.items():
        labelled.append({**run, "automationDetails": {"id": f"pipeline/{name}/"}})
    return json.dumps({"$schema": SCHEMA, "version": VERSION, "runs": labelled}, indent=2) + "\n"


def counts(log_json: str) -> dict[str, int]:
    """Results per run (by tool name) of a SARIF log."""
    log = cast("dict[str, Any]", json.loads(log_json))
    return {
        str(r["tool"]["driver"]["name"]): len(cast("list[object]", r.get("results") or []))
        for r in cast("list[Run]", log.get("runs") or [])
    }
