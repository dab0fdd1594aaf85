"""The sample flag is a field of the tidy table, set from the file's own note row."""

import sys
from pathlib import Path

from pipeline.intake.ingest import read_year_folder

sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
from build_corpus import CASES, YEAR  # noqa: E402


def _tidy(tmp_path: Path, name: str):
    case = next(c for c in CASES if c.name == name)
    case.build(tmp_path / name / str(YEAR))
    tidy, _ = read_year_folder(tmp_path / name / str(YEAR), YEAR)
    return tidy


def test_every_value_of_the_shipped_sample_is_flagged(sample_intake):
    tidy, _ = sample_intake
    assert tidy["is_sample"].dtype == bool and tidy["is_sample"].all() and len(tidy) > 900


def test_a_file_with_the_sample_note_flags_all_its_values_and_one_without_flags_none(tmp_path):
    flagged = _tidy(tmp_path, "sample_note_row")
    plain = _tidy(tmp_path, "canonical_two_row_header")
    assert len(flagged) == len(plain) == 66
    assert flagged["is_sample"].all() and not plain["is_sample"].any()


def test_a_note_saying_not_sample_data_flags_nothing(tmp_path):
    assert not _tidy(tmp_path, "note_says_not_sample_data")["is_sample"].any()
