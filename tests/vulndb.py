"""Write a Go vulnerability DB in govulncheck's v1 layout from OSV entries (tests only).

The layout (https://go.dev/security/vuln/database#api) is index/db.json (last modification), index/modules.json
(per module: its advisories and the fixed version) and ID/<id>.json (each OSV entry). The entries come from
tests/fixtures/vulndb: the same advisory the fixture Trivy DB holds (GO-2022-1059, alias CVE-2022-32149).
"""

import json
from pathlib import Path
from typing import Any, cast

from tests.conftest import FIXTURES

ENTRIES = FIXTURES / "vulndb"


def _fixed(affected: dict[str, Any]) -> str:
    events = [e for r in affected.get("ranges", []) for e in r.get("events", [])]
    return next((str(e["fixed"]) for e in reversed(events) if "fixed" in e), "")


def write(out: Path, entries: Path = ENTRIES) -> Path:
    """Write the DB for every OSV entry (*.json) in entries under out; return out."""
    osvs = [cast("dict[str, Any]", json.loads(p.read_text())) for p in sorted(entries.glob("*.json"))]
    (out / "index").mkdir(parents=True, exist_ok=True)
    (out / "ID").mkdir(exist_ok=True)
    modules: dict[str, list[dict[str, str]]] = {}
    for osv in osvs:
        (out / "ID" / f"{osv['id']}.json").write_text(json.dumps(osv))
        for affected in osv["affected"]:
            vuln = {"id": osv["id"], "modified": osv["modified"]}
            if fixed := _fixed(affected):
                vuln["fixed"] = fixed
            modules.setdefault(affected["package"]["name"], []).append(vuln)
    (out / "index" / "db.json").write_text(json.dumps({"modified": max(o["modified"] for o in osvs)}))
    index = [{"path": path, "vulns": vulns} for path, vulns in sorted(modules.items())]
    (out / "index" / "modules.json").write_text(json.dumps(index))
    return out
