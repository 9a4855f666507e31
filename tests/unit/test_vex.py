import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.security.vex_documents import (
    CSAF,
    OPENVEX,
    detect_format,
    for_trivy,
    golang_purl,
    not_affected_ids,
    waivers,
)

HERE = Path(__file__).parent
GOVULNCHECK = (HERE / "govulncheck-unreachable.openvex.json").read_text()


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"@context": "https://openvex.dev/ns/v0.2.0", "statements": []}, OPENVEX),
        ({"document": {"category": "csaf_vex"}, "vulnerabilities": []}, CSAF),
    ],
)
def test_accepted_formats(doc: dict[str, Any], expected: str) -> None:
    assert detect_format(json.dumps(doc), "x.json") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"bomFormat": "CycloneDX", "vulnerabilities": []}', r"^vex: v.json is CycloneDX VEX, which Trivy applies"),
        ('{"document": {"category": "csaf_security_advisory"}}', r"^vex: v.json is not a VEX format"),
        ("[]", r"^vex: v.json is not a VEX format"),
        ("<xml/>", r"^vex: v.json is not JSON"),
    ],
)
def test_unknown_formats_name_the_file(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect_format(text, "v.json")


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        ("pkg:golang/golang.org%2Fx%2Ftext@v0.3.7", "pkg:golang/golang.org/x/text@v0.3.7"),
        ("pkg:golang/golang.org/x/text@v0.3.7", "pkg:golang/golang.org/x/text@v0.3.7"),
        ("pkg:oci/hello", "pkg:oci/hello"),
    ],
)
def test_golang_purls_are_spelled_as_trivy_does(purl: str, expected: str) -> None:
    assert golang_purl(purl) == expected


def test_govulncheck_openvex_is_made_matchable() -> None:
    assert json.loads(GOVULNCHECK)["statements"][0]["products"][0]["@id"] == "Unknown Product"
    doc = json.loads(for_trivy(GOVULNCHECK, ["example.com/unreachable", "example.com/other"]))
    (stmt,) = doc["statements"]
    assert stmt["products"] == [
        {
            "@id": "pkg:golang/example.com/unreachable",
            "subcomponents": [{"@id": "pkg:golang/golang.org/x/text@v0.3.7"}],
        },
        {"@id": "pkg:golang/example.com/other", "subcomponents": [{"@id": "pkg:golang/golang.org/x/text@v0.3.7"}]},
    ]
    assert stmt["status"] == "not_affected"
    assert stmt["justification"] == "vulnerable_code_not_in_execute_path"
    assert stmt["vulnerability"]["aliases"] == ["CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"]
    names = ("GO-2022-1059", "CVE-2022-32149", "GHSA-69ch-w2m2-3vjp")
    assert not_affected_ids(GOVULNCHECK) == dict.fromkeys(names, "vulnerable_code_not_in_execute_path")


def test_waivers_come_from_trivys_suppressed_findings() -> None:
    finding = {"VulnerabilityID": "CVE-1", "PkgName": "x", "InstalledVersion": "v1", "Severity": "HIGH"}
    report: dict[str, Any] = {
        "Results": [
            {
                "ExperimentalModifiedFindings": [
                    {"Type": "vulnerability", "Status": "not_affected", "Statement": "vulnerable_code_not_present",
                     "Source": "/scan/vex/0.json", "Finding": finding},
                    {"Type": "vulnerability", "Status": "ignored", "Statement": "", "Source": "/scan/.trivyignore",
                     "Finding": {**finding, "VulnerabilityID": "CVE-2"}},
                    {"Type": "misconfiguration", "Status": "ignored", "Source": "x", "Finding": {}},
                ]
            }
        ]
    }  # fmt: skip
    lines = [
        w.line()
        for w in waivers(
            json.dumps(report), {"/scan/vex/0.json": "govulncheck", "/scan/.trivyignore": "the ignore file"}
        )
    ]
    assert lines == [
        "CVE-1 HIGH x v1: not_affected (vulnerable_code_not_present), by govulncheck",
        "CVE-2 HIGH x v1: ignored, by the ignore file",
    ]
