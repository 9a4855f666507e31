"""Draw `make bench`'s results as a chart: each pipeline figure beside its native baseline, as an SVG.

Reads a results file that bench/bench.py saved (default: the newest bench/results/<time>.json) and writes the chart
beside it (<time>.svg) and to bench/chart.svg, the picture README links. Plain Python: no plotting package.
Each row has its own scale (the longer bar fills the row), so a 0.1 s figure reads as well as a 40 s one;
the ratio and, where bench.py sets one, the target (dashed line) are written beside the bars.
"""

import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CHART = ROOT / "chart.svg"

WIDTH = 960
LABEL_W = 330  # figure names
BAR_W = 390  # the longest bar of a row
ROW_H = 62
TOP = 70
BAR_H = 16
NATIVE, PIPELINE, MET, MISSED, INK, FAINT = "#9aa5b1", "#2f6fb3", "#1e8a4c", "#c0392b", "#1f2933", "#616e7c"


@dataclass(frozen=True)
class Pair:
    """A figure and its baseline: medians in one unit, and the target ratio if any."""

    name: str
    baseline: str
    value: float
    base: float
    unit: str
    target: float | None

    @property
    def ratio(self) -> float:
        """Median over the baseline's median."""
        return self.value / self.base if self.base else float("inf")


def pairs(doc: dict[str, Any]) -> list[Pair]:
    """Return every figure that has a baseline, in the results file's order."""
    figures = {f["name"]: f for f in doc["figures"]}
    return [
        Pair(
            name=f["name"],
            baseline=f["baseline"],
            value=statistics.median(f["values"]),
            base=statistics.median(figures[f["baseline"]]["values"]),
            unit=f.get("unit", "s"),
            target=f.get("target"),
        )
        for f in doc["figures"]
        if f.get("baseline") and f["baseline"] in figures
    ]


def amount(value: float, unit: str) -> str:
    """Format seconds or bytes as bench.py's table does."""
    return f"{value / 1e6:.2f} MB" if unit == "B" else f"{value:.2f} s"


def _text(
    x: float, y: float, text: str, size: int = 12, fill: str = INK, anchor: str = "start", weight: str = ""
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{bold}>'
        f"{escape(text)}</text>"
    )


def _row(p: Pair, y: float) -> list[str]:
    top = max(p.value, p.base, (p.target or 0) * p.base)
    scale = BAR_W / top if top else 0.0
    x0 = LABEL_W
    out = [
        _text(12, y + 14, p.name, 13, weight="600"),
        _text(12, y + 32, f"vs {p.baseline}", 11, FAINT),
    ]
    for i, (value, colour, who) in enumerate(((p.base, NATIVE, "baseline"), (p.value, PIPELINE, "pipeline"))):
        by = y + 4 + i * (BAR_H + 4)
        w = max(value * scale, 1.0)
        out.append(f'<rect x="{x0}" y="{by:.1f}" width="{w:.1f}" height="{BAR_H}" fill="{colour}" rx="2"/>')
        out.append(_text(x0 + w + 6, by + 12, f"{amount(value, p.unit)} {who}", 11, FAINT))
    verdict = ""
    colour = INK
    if p.target is not None:
        tx = x0 + p.target * p.base * scale
        out.append(
            f'<line x1="{tx:.1f}" y1="{y:.1f}" x2="{tx:.1f}" y2="{y + 2 * BAR_H + 12:.1f}" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        met = p.ratio <= p.target
        verdict, colour = (f"≤ {p.target:g}x met", MET) if met else (f"≤ {p.target:g}x missed", MISSED)
    out.append(_text(WIDTH - 12, y + 18, f"{p.ratio:.2f}x", 15, colour, "end", "700"))
    if verdict:
        out.append(_text(WIDTH - 12, y + 34, verdict, 11, colour, "end"))
    return out


def chart_svg(rows: list[Pair], caption: str) -> str:
    """Return the chart as an SVG document."""
    height = TOP + len(rows) * ROW_H + 20
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        ),
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(
            12,
            26,
            "pipeline vs native, median of runs (ratio = pipeline / baseline; lower is better)",
            16,
            weight="700",
        ),
        _text(12, 46, caption, 11, FAINT),
        f'<rect x="{WIDTH - 250}" y="36" width="12" height="12" fill="{NATIVE}"/>',
        _text(WIDTH - 232, 46, "baseline", 11, FAINT),
        f'<rect x="{WIDTH - 160}" y="36" width="12" height="12" fill="{PIPELINE}"/>',
        _text(WIDTH - 142, 46, "pipeline", 11, FAINT),
    ]
    for i, p in enumerate(rows):
        y = TOP + i * ROW_H
        if i:
            parts.append(f'<line x1="12" y1="{y - 8}" x2="{WIDTH - 12}" y2="{y - 8}" stroke="#e4e7eb"/>')
        parts += _row(p, y)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def newest() -> Path:
    """Return the newest results file of bench/bench.py (``<time>.json``, not peers.py's ``peers-<time>.json``)."""
    found = sorted(RESULTS.glob("[0-9]*.json"))
    if not found:
        sys.exit(f"chart: no results in {RESULTS}; run make bench first")
    return found[-1]


def main(argv: list[str]) -> None:
    """Draw the chart of one results file (default: the newest)."""
    source = Path(argv[0]) if argv else newest()
    doc = json.loads(source.read_text())
    svg = chart_svg(pairs(doc), f"{source.stem} · {doc.get('machine', '')}")
    for target in (source.with_suffix(".svg"), CHART):
        target.write_text(svg)
        print(f"chart: wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
