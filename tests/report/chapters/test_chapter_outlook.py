"""六、规划目标 (pipeline/report/chapters/outlook.py): the status counts and the caveat on how much
history the probabilities rest on, from small frames."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.plan_targets.assess import AT_RISK, DIFFICULT, ON_TRACK
from pipeline.plan_targets.verdict import FINAL_MET, NO_DATA
from pipeline.report.chapters.outlook import history_caveat, status_counts


def test_status_counts_follow_the_statuses_order_and_skip_those_absent():
    frame = pd.DataFrame({"status": [DIFFICULT, ON_TRACK, ON_TRACK, NO_DATA, FINAL_MET]})
    assert status_counts(frame) == (
        f"{FINAL_MET} 1 项，{ON_TRACK} 2 项，{DIFFICULT} 1 项，{NO_DATA} 1 项"
    )
    assert AT_RISK not in status_counts(frame)


def test_the_history_caveat_warns_below_the_minimum_and_notes_otherwise():
    frame = pd.DataFrame(
        {
            "probability": [0.8, 0.4, math.nan],
            "kind": ["cumulative", "cumulative", "cumulative"],
            "history_years": [4, 9, 2],  # the row without a probability does not count
        }
    )
    short = history_caveat(frame, minimum=5)
    assert "callout-caution" in short and "依据各项指标4–9年的历年数据" in short
    assert "数据少于5年时" in short
    enough = history_caveat(frame, minimum=4)
    assert "callout-note" in enough and "概率应作为预警和排序参考。" in enough
    assert history_caveat(frame.assign(probability=math.nan), minimum=5) == ""
