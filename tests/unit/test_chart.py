"""bench/chart.py: the SVG drawn from a results file (no engine)."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench import chart
from bench.chart import Pair, amount, chart_svg, pairs

SVG = "{http://www.w3.org/2000/svg}"
DOC = {
    "machine": "x86_64, 2 cores",
    "figures": [
        {"name": "native go build, warm", "values": [0.3, 0.32, 0.34], "baseline": "", "target": None, "unit": "s"},
        {"name": "pipeline build, warm", "values": [0.1, 0.11], "baseline": "native go build, warm", "target": None},
        {
            "name": "pipeline build, change",
            "values": [0.6, 0.64, 0.7],
            "baseline": "native go build, warm",
            "target": 1.5,
        },
        {"name": "pipeline ci, warm", "values": [0.6], "baseline": "", "target": 3.0, "unit": "s"},
        {"name": "binary size", "values": [8.85e6], "baseline": "", "target": None, "unit": "B"},
        {"name": "image size", "values": [9.48e6], "baseline": "binary size", "target": None, "unit": "B"},
    ],
}


def test_pairs_are_the_figures_with_a_baseline_by_median() -> None:
    got = pairs(DOC)
    assert [(p.name, p.baseline) for p in got] == [
        ("pipeline build, warm", "native go build, warm"),
        ("pipeline build, change", "native go build, warm"),
        ("image size", "binary size"),
    ]
    assert got[0].value == pytest.approx(0.105)
    assert got[0].base == 0.32
    assert got[1].ratio == pytest.approx(2.0)


def test_chart_is_svg_with_a_row_of_two_bars_per_pair() -> None:
    root = ET.fromstring(chart_svg(pairs(DOC), "caption"))  # noqa: S314 (our own SVG)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "16"]
    assert len(bars) == 2 * 3
    assert {"0.33x", "2.00x", "1.07x"} <= set(texts)
    assert "≤ 1.5x missed" in texts
    assert "0.64 s pipeline" in texts
    assert "8.85 MB baseline" in texts
    # The longer bar of a row fills it: 2.00x draws the pipeline bar at full width, the baseline at half.
    widths = [float(b.get("width", "0")) for b in bars[2:4]]
    assert widths[1] == 2 * widths[0]


def test_a_met_target_is_green_and_a_missed_one_red() -> None:
    met = chart_svg([Pair("p", "n", 1.0, 1.0, "s", 1.1)], "")
    missed = chart_svg([Pair("p", "n", 2.0, 1.0, "s", 1.1)], "")
    assert "≤ 1.1x met" in met
    assert "≤ 1.1x missed" in missed
    assert "#1e8a4c" in met
    assert "#c0392b" in missed


def test_amounts_read_as_in_the_table() -> None:
    assert amount(0.654, "s") == "0.65 s"
    assert amount(9_480_000.0, "B") == "9.48 MB"


def test_newest_is_benchs_own_file_not_a_later_peers_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("20261128T100000.json", "20261129T100000.json", "peers-20261129T120000.json", "chart.svg"):
        (tmp_path / name).write_text("{}")
    monkeypatch.setattr(chart, "RESULTS", tmp_path)
    assert chart.newest() == tmp_path / "20261129T100000.json"
