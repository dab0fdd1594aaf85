"""The departments stage: a FAIL in the task lists stops it after writing the log (so it can be
read), with no scores; a year without a task-list folder is not an error."""

from __future__ import annotations

import pytest

from pipeline.annual.departments import read_results
from pipeline.stages.steps import DataFailed, departments_stage
from pipeline.store import catalog


def test_a_fail_stops_the_stage_after_writing_its_log(tmp_path):
    (tmp_path / "raw" / "departments" / "2024").mkdir(parents=True)  # the folder, but no list
    processed = tmp_path / "processed"
    with pytest.raises(DataFailed, match="2024年成员单位任务清单有 FAIL 级问题") as caught:
        departments_stage(tmp_path / "raw", processed, 2024)
    assert "没有成员单位任务清单" in str(caught.value)
    log = catalog.load_department_qa_log(processed, 2024)
    assert list(log["status"]) == ["FAIL"]
    assert read_results(processed, 2024) is None  # no scores written


def test_a_year_without_task_lists_writes_empty_results(tmp_path):
    processed = tmp_path / "processed"
    assert departments_stage(tmp_path / "raw", processed, 2024) is None
    assert read_results(processed, 2024) is None
    assert catalog.load_department_qa_log(processed, 2024).empty
