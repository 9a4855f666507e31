import re
import subprocess
from pathlib import Path

import pytest

from bench import genmodule


@pytest.mark.parametrize("packages", [2, 25, 30, 40])
def test_shape(packages: int) -> None:
    files = genmodule.files(packages)
    libs = [p for p in files if re.fullmatch(r"internal/p\d\d/p\d\d\.go", p)]
    tests = [p for p in files if p.startswith("internal/") and p.endswith("_test.go")]
    assert len(libs) == packages
    assert len(tests) >= packages * 3 // 4  # tests in most packages
    assert {"go.mod", "main.go", "main_test.go"} <= set(files)


@pytest.mark.parametrize("i", range(30))
def test_imports_only_lower_packages(i: int) -> None:
    assert all(j < i for j in genmodule.imports_of(i))
    src = genmodule.package_source(i)
    imported = {int(m) for m in re.findall(r'"example\.com/benchsvc/internal/p(\d\d)"', src)}
    assert imported == ({0, *genmodule.imports_of(i)} - {i})


def test_every_third_party_module_is_used() -> None:
    text = "".join(genmodule.files(30).values())
    for module in genmodule.REQUIRES:
        assert f'"{module}' in text
    assert "github.com/prometheus/client_golang v1.25.0" in genmodule.go_mod()


def test_deterministic() -> None:
    assert genmodule.files(30) == genmodule.files(30)


def test_too_few_packages() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        genmodule.files(1)


def test_edit_changes_one_line_of_the_middle_package(tmp_path: Path) -> None:
    genmodule.generate(tmp_path, 30, go_sum="")
    target = tmp_path / "internal" / "p15" / "p15.go"
    before = target.read_text()
    assert genmodule.edit(tmp_path, 1) == target
    first = target.read_text()
    genmodule.edit(tmp_path, 2)
    second = target.read_text()
    assert first != before
    assert second == first.replace(f'"{genmodule.RUN_TOKEN}-1"', f'"{genmodule.RUN_TOKEN}-2"')
    assert len(second.splitlines()) == len(first.splitlines())


def test_gofmt_clean(tmp_path: Path) -> None:
    genmodule.generate(tmp_path, 30, go_sum="")
    genmodule.edit(tmp_path, 3)
    out = subprocess.run(["gofmt", "-l", str(tmp_path)], check=True, capture_output=True, text=True).stdout
    assert out == ""
