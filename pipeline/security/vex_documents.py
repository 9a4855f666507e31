"""VEX documents for the scan gate: format checks, govulncheck's OpenVEX made matchable, and what Trivy waived.

Trivy takes OpenVEX and CSAF documents for image scans (CycloneDX VEX only applies to CycloneDX SBOM scans). It
matches an OpenVEX statement when the vulnerability's name or an alias is the finding's id and a product matches a
component on the path from the vulnerable package to the image root, with the vulnerable package among the
product's subcomponents. govulncheck names its product "Unknown Product" and escapes the slashes of its package
URLs (pkg:golang/golang.org%2Fx%2Ftext@v0.3.7), so as written it matches nothing: `for_trivy` names the scanned
Go modules as the products and spells the subcomponents as Trivy does. Pure logic: no dagger.
"""

import json
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import unquote

from pipeline.core.errors import UsageError

OPENVEX: Final = "openvex"
CSAF: Final = "csaf"
#: What each accepted format looks like, for messages.
FORMATS: Final = {OPENVEX: "OpenVEX (@context https://openvex.dev/ns/…)", CSAF: "CSAF 2.0 (document.category csaf_vex)"}
#: Statuses under which Trivy drops a finding.
WAIVING: Final = frozenset({"not_affected", "fixed"})


def detect_format(text: str, name: str) -> str:
    """Return "openvex" or "csaf" for a VEX document, or raise UsageError naming the file and what it is."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        msg = f"vex: {name} is not JSON ({e.msg} at line {e.lineno}); give an OpenVEX or CSAF document"
        raise UsageError(msg) from None
    if isinstance(doc, dict):
        obj = cast("dict[str, Any]", doc)
        if str(obj.get("@context", "")).startswith("https://openvex.dev/ns"):
            return OPENVEX
        document = obj.get("document")
        if isinstance(document, dict) and cast("dict[str, Any]", document).get("category") == "csaf_vex":
            return CSAF
        if obj.get("bomFormat") == "CycloneDX":
            msg = (
                f"vex: {name} is CycloneDX VEX, which Trivy applies to SBOM scans only; "
                "give the image scan an OpenVEX or CSAF document"
            )
            raise UsageError(msg)
    accepted = " or ".join(FORMATS.values())
    msg = f"vex: {name} is not a VEX format the scan understands; give {accepted}"
    raise UsageError(msg)


def golang_purl(purl: str) -> str:
    """Spell a Go package URL as Trivy does: pkg:golang/golang.org%2Fx%2Ftext -> pkg:golang/golang.org/x/text."""
    if not purl.startswith("pkg:golang/"):
        return purl
    return "pkg:golang/" + unquote(purl.removeprefix("pkg:golang/"))


def for_trivy(openvex: str, modules: list[str]) -> str:
    """Rewrite govulncheck's OpenVEX so Trivy can match it: the scanned modules are the products.

    Each statement keeps its vulnerability (name and aliases), status and justification; its products become
    ``pkg:golang/<module>`` (no version: the statement holds for the module as built here) with the vulnerable
    module as subcomponent.
    """
    doc = cast("dict[str, Any]", json.loads(openvex))
    for stmt in cast("list[dict[str, Any]]", doc.get("statements") or []):
        subs = [
            {"@id": golang_purl(str(s.get("@id", "")))}
            for p in cast("list[dict[str, Any]]", stmt.get("products") or [])
            for s in cast("list[dict[str, Any]]", p.get("subcomponents") or [])
        ]
        stmt["products"] = [{"@id": f"pkg:golang/{m}", "subcomponents": subs} for m in modules]
    return json.dumps(doc, indent=2) + "\n"


def not_affected_ids(openvex: str) -> dict[str, str]:
    """Map every id (name and aliases) a not_affected statement covers to its justification."""
    doc = cast("dict[str, Any]", json.loads(openvex))
    out: dict[str, str] = {}
    for stmt in cast("list[dict[str, Any]]", doc.get("statements") or []):
        if stmt.get("status") != "not_affected":
            continue
        vuln = cast("dict[str, Any]", stmt.get("vulnerability") or {})
        for name in [vuln.get("name"), *cast("list[object]", vuln.get("aliases") or [])]:
            if name:
                out[str(name)] = str(stmt.get("justification", ""))
    return out


@dataclass(frozen=True)
class Waiver:
    """A finding Trivy left out of the gate, and why."""

    id: str
    severity: str
    package: str
    installed: str
    status: str  # not_affected, fixed, ignored
    statement: str  # the VEX justification or the ignore file's comment
    source: str  # the document or file that said so, as the caller labelled it

    def line(self) -> str:
        """One line: the finding, the status and justification, and who said so."""
        why = f"{self.status} ({self.statement})" if self.statement else self.status
        return f"{self.id} {self.severity} {self.package} {self.installed}: {why}, by {self.source}"


def waivers(report_json: str, labels: dict[str, str]) -> list[Waiver]:
    """Return the findings a Trivy JSON report (--show-suppressed) waived; labels name each source path."""
    report = cast("dict[str, Any]", json.loads(report_json))
    out: list[Waiver] = []
    for result in cast("list[dict[str, Any]]", report.get("Results") or []):
        for mod in cast("list[dict[str, Any]]", result.get("ExperimentalModifiedFindings") or []):
            if mod.get("Type") != "vulnerability":
                continue
            finding = cast("dict[str, Any]", mod.get("Finding") or {})
            source = str(mod.get("Source", ""))
            out.append(
                Waiver(
                    id=str(finding.get("VulnerabilityID", "")),
                    severity=str(finding.get("Severity", "UNKNOWN")),
                    package=str(finding.get("PkgName", "")),
                    installed=str(finding.get("InstalledVersion", "")),
                    status=str(mod.get("Status", "")),
                    statement=str(mod.get("Statement", "")),
                    source=labels.get(source, source),
                )
            )
    return sorted(set(out), key=lambda w: (w.id, w.package, w.source))
