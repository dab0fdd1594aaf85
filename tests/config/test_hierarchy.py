"""The 镇(办) list under the counties: counts, codes, names, and errors that name file, row, column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import REFERENCE_DIR
from pipeline.config.hierarchy import TOWNS_FILE, load_towns, towns, towns_of
from pipeline.config.regions import counties
from pipeline.config.schema import ConfigError


def test_139_towns_with_the_counts_of_the_nbs_list():
    assert len(towns()) == 139
    counts = {c.name: len(towns_of(c.code)) for c in counties()}
    assert counts == {
        "汉滨区": 28, "汉阴县": 10, "石泉县": 11, "宁陕县": 11, "紫阳县": 17,
        "岚皋县": 12, "平利县": 11, "镇坪县": 7, "旬阳市": 21, "白河县": 11,
    }  # fmt: skip
    assert all(t.code.startswith(t.county_code) and len(t.code) == 9 for t in towns())


def test_a_county_is_found_by_alias_and_old_name():
    assert towns_of("旬阳县") == towns_of("610981") == towns_of("旬阳")
    assert towns_of("汉滨")[0].name == "老城街道"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "towns.csv"
    shutil.copy(REFERENCE_DIR / TOWNS_FILE, path)
    return path


def _edit(path: Path, line: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "row", "message"),
    [
        (2, "61090200X,老城街道,610902,汉滨区", "第2行，列 town_code"),
        (2, "610921001,老城街道,610902,汉滨区", "前6位不是所属县区 汉滨区"),
        (2, "610902001,老城街道,610902,汉阴县", "第2行，列 county_name"),
        (2, "610902001,老城街道,999999,汉滨区", "第2行，列 county_code：未知地区"),
        (2, "610902099,新城街道,610902,汉滨区", "第3行，列 town_name：汉滨区的“新城街道”在第2行"),
        (3, "610902001,别名街道,610902,汉滨区", "第3行，列 town_code：代码 610902001 在第2行"),
        # a blank line: csv skips it, so 汉滨区 has 27
        (2, "", "汉滨区有 27 个镇（办），config/regions.yaml"),
        (1, "town_code,town_name,county_code", "第1行（表头）缺少列：county_name"),
    ],
)
def test_a_bad_row_is_named(tmp_path, line, row, message):
    path = _copy(tmp_path)
    _edit(path, line, row)
    with pytest.raises(ConfigError, match=message):
        load_towns(path)
