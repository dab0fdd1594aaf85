"""Every case of the intake corpus (tests/corpus/build_corpus.py) gives its expected values or message."""

import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.intake.ingest import read_year_folder

sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
from build_corpus import CASES, YEAR, base_values  # noqa: E402

pytestmark = pytest.mark.xdist_group("corpus")  # with test_qa_rules.py: one reading of the corpus


def _values(tidy: pd.DataFrame) -> dict:
    return {(r.region_code, r.indicator, r.measure): r.value for r in tidy.itertuples()}


def test_the_corpus_has_at_least_30_cases_with_unique_names():
    names = [case.name for case in CASES]
    assert len(names) >= 30 and len(set(names)) == len(names)


def test_the_committed_corpus_matches_the_script():
    committed = {p.name for p in (Path(__file__).parents[1] / "corpus" / "files").iterdir()}
    assert committed == {case.name for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, corpus_read):
    tidy, log = corpus_read[case.name]
    records = [(r.rule, r.status, r.message) for r in log.records]
    for rule, status, words in case.expect:
        assert any(r == rule and s == status and words in m for r, s, m in records), (
            rule,
            status,
            words,
            log.format(),
        )
    if case.values or case.missing:
        expected = {k: v for k, v in base_values().items() if k not in case.missing}
        got = _values(tidy[tidy["region_code"].str.match(r"^\d{6}$")])
        present = {k: v for k, v in expected.items() if k[0] in {key[0] for key in got}}
        assert got == pytest.approx(present)
        assert not any(k in got for k in case.missing)
        assert not log.has_failures, log.format()
    # Every FAIL and WARN names the file it came from (the folder for folder-level rules); a blank
    # 完成数 is named by region, year and indicator.
    for record in log.records:
        if record.status != "PASS" and record.rule != "空白单元格":
            assert record.file, record


def test_same_submission_gives_same_values_in_every_format_and_unit(corpus):
    """xlsx, UTF-8 CSV, GB18030 CSV, and 万人 instead of 人: one tidy table."""
    tables = []
    for name in ("canonical_two_row_header", "csv_utf8", "csv_gb18030", "urban_jobs_in_wan_ren"):
        tidy, _ = read_year_folder(corpus / name / str(YEAR), YEAR)
        tables.append(
            tidy.drop(columns=["source_file", "source_sheet", "source_column"])
            .sort_values(["region_code", "indicator", "measure"])
            .reset_index(drop=True)
        )
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])
