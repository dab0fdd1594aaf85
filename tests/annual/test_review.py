"""The 考评组's review: worked examples of :func:`apply_review` and :func:`reviewed` on a constructed
score table, the file's validation (file, line, key), and what 审定 means for the documents
(征求意见稿 → 审定, refusing changed inputs)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from pipeline.annual.review import Entry, Review, Stage, apply_review, load_review, reviewed
from pipeline.annual.scoring import fund_table
from pipeline.config.regions import counties
from pipeline.config.schema import ConfigError
from pipeline.documents.approval import StageError, check_approval, stage_label
from pipeline.documents.inputs import DocumentInputs

# Ten counties, scores chosen so the worked examples are easy to follow by hand.
SCORES = [96, 94, 92, 89, 86, 84, 81, 78, 76, 60]
GRADES = ["优秀", "优秀", "优秀", "良好", "良好", "良好", "良好", "达标", "达标", "不达标"]


@pytest.fixture()
def small_inputs() -> DocumentInputs:
    codes = [c.code for c in counties()]
    names = [c.name for c in counties()]
    scores = pd.DataFrame({
        "rank": range(1, 11), "region_code": codes, "region": names, "score": [float(s) for s in SCORES],
        "tie_break": [1.0] * 10, "grade": GRADES, "points": [""] * 10, "deductions": [""] * 10,
    })  # fmt: skip
    funds, is_sample = fund_table(scores, set())
    return DocumentInputs(2024, scores, funds, is_sample, pd.DataFrame(), (), (), (), True)


def _reviewed(small: DocumentInputs, review: Review) -> DocumentInputs:
    """The constructed results after the review, as the 考核 stage makes them."""
    scores, interviews, commendations, funds, is_sample, changes = reviewed(
        small.scores, list(small.interviews), list(small.commendations), small.funds,
        small.funds_are_sample, review,
    )  # fmt: skip
    return dataclasses.replace(
        small, scores=scores, interviews=tuple(interviews), commendations=tuple(commendations),
        funds=funds, funds_are_sample=is_sample, changes=tuple(changes),
    )  # fmt: skip


def _entry(code: str, points: float, kind: str = "督查", **extra) -> Entry:
    return Entry(region=code, kind=kind, article="第二十条", points=points,
                 reason="督查发现台账不全", document_number="安就领办〔2025〕3号", **extra)  # fmt: skip


def test_a_duchá_deduction_changes_exactly_that_countys_score_and_grade(small_inputs):
    code = small_inputs.scores.loc[6, "region_code"]  # 81 points, rank 7, 良好
    after = _reviewed(small_inputs, Review(year=2024, entries=(_entry(code, -2),)))
    scores = after.scores.set_index("region_code")
    before = small_inputs.scores.set_index("region_code")
    assert scores.loc[code, "score"] == 79 and scores.loc[code, "grade"] == "达标"
    assert scores.loc[code, "rank"] == 7 and scores.loc[code, "computed_score"] == 81
    others = [c for c in before.index if c != code]
    assert (scores.loc[others, "score"] == before.loc[others, "score"]).all()
    assert (scores.loc[others, "grade"] == before.loc[others, "grade"]).all()
    assert (scores.loc[others, "rank"] == before.loc[others, "rank"]).all()
    funds = after.funds.set_index("region_code")["change"]
    old_funds = small_inputs.funds.set_index("region_code")["change"]
    assert funds[code] < old_funds[code] and funds.sum() == pytest.approx(0, abs=0.005)
    direct = [(c.item, c.before, c.after) for c in after.changes if c.region_code == code]
    assert ("得分", "81.00", "79.00") in direct and ("等次", "良好", "达标") in direct
    assert all("安就领办〔2025〕3号" in c.reason for c in after.changes if c.region_code == code)
    # the other counties only move through the budget-neutral fund rule, and are listed as such
    assert {c.item for c in after.changes if c.region_code != code} <= {"资金增减（万元）"}


def test_a_larger_deduction_moves_the_rank_and_the_excellent_quota(small_inputs):
    code = small_inputs.scores.loc[1, "region_code"]  # 94 → 84: rank 2 → 6 (ties 84 on tie_break)
    scores, changes = apply_review(
        small_inputs.scores, Review(year=2024, entries=(_entry(code, -10),))
    )
    by_code = scores.set_index("region_code")
    assert by_code.loc[code, "score"] == 84 and by_code.loc[code, "grade"] == "良好"
    assert by_code.loc[code, "rank"] == 5  # equal to the 84 county, listed first (stable order)
    fourth = small_inputs.scores.loc[3, "region_code"]  # 89 points: rank 4 → 3, still 良好 (< 90)
    assert by_code.loc[fourth, "rank"] == 3 and by_code.loc[fourth, "grade"] == "良好"
    shifted = [c for c in changes if c.region_code == fourth]
    assert [(c.item, c.before, c.after) for c in shifted] == [("排名", "第4名", "第3名")]
    assert shifted[0].reason == "其他县（市、区）复核后名次变化"


def test_veto_sets_the_lowest_grade_and_adds_an_interview(small_inputs):
    code = small_inputs.scores.loc[0, "region_code"]
    after = _reviewed(small_inputs, Review(year=2024, entries=(_entry(code, 0, kind="一票否决"),)))
    assert after.scores.set_index("region_code").loc[code, "grade"] == "不达标"
    assert code in {s.region_code for s in after.interviews}
    assert any(c.item == "约谈" and c.region_code == code for c in after.changes)


def test_correction_replaces_the_computed_score(small_inputs):
    code = small_inputs.scores.loc[9, "region_code"]
    entry = _entry(code, 0, kind="改正", field="score", value=75.5)
    scores, changes = apply_review(small_inputs.scores, Review(year=2024, entries=(entry,)))
    assert scores.set_index("region_code").loc[code, "score"] == 75.5
    assert ("等次", "不达标", "达标") in [(c.item, c.before, c.after) for c in changes]


BAD = """\
year: 2024
stage:
  status: 审定
entries:
  - region: 汉滨区
    kind: 督查
    points: -2
    reason: 台账不全
    document_number: 安就领办〔2025〕3号
  - region: 汉滨区
    kind: 督查
    points: -25
    reason: 超出界限
    document_number: 安就领办〔2025〕4号
  - region: 不存在县
    kind: 加分
    points: 1
    reason: x
    document_number: y
  - region: 石泉县
    kind: 扣分
    point: -1
    reason: 键名写错
"""


def test_bad_entries_are_named_by_file_line_and_key(tmp_path):
    path = tmp_path / "2024.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_review(2024, tmp_path)
    message = str(caught.value)
    assert f"{path} 第 2 行，键 stage：status 为 审定 时须填写 date" in message
    assert (
        f"{path} 第 12 行，键 entries[1].points：督查 的 points 应在 -10 至 0 分之间（收到 -25"
        in message
    )
    assert f"{path} 第 15 行，键 entries[2].region：不认识的地区 '不存在县'" in message
    assert f"{path} 第 22 行，键 entries[3].point：不认识的键" in message
    assert f"{path} 第 20 行，键 entries[3].document_number：缺少此项" in message


def test_a_review_for_another_year_is_refused(tmp_path):
    (tmp_path / "2024.yaml").write_text("year: 2023\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="键 year：应为 2024"):
        load_review(2024, tmp_path)


def test_stage_after_approval_refuses_changed_inputs_unless_told(small_inputs, tmp_path):
    approved = Review(
        year=2024,
        stage=Stage(status="审定", date=dt.date(2025, 3, 1), document_number="安人社发〔2025〕9号"),
    )
    assert stage_label(Review(year=2024)) == "征求意见稿"
    assert stage_label(approved).startswith("审定稿（安人社发〔2025〕9号")
    fingerprint = small_inputs.fingerprint()
    assert "已记录" in check_approval(2024, approved, fingerprint, tmp_path)
    assert check_approval(2024, approved, fingerprint, tmp_path) == ""  # unchanged: builds
    scores = small_inputs.scores.copy()
    scores.loc[2, "score"] = 91.5  # 石泉县's submitted data changed after 审定
    changed = dataclasses.replace(small_inputs, scores=scores).fingerprint()
    with pytest.raises(StageError, match=f"得分：{scores.loc[2, 'region']}的数据变了"):
        check_approval(2024, approved, changed, tmp_path)
    assert "已按新输入更新" in check_approval(
        2024, approved, changed, tmp_path, accept_changes=True
    )
    assert check_approval(2024, approved, changed, tmp_path) == ""
    assert check_approval(2024, Review(year=2024), changed, tmp_path) == ""  # a draft never refuses


def test_the_shipped_examples_are_valid(tmp_path):
    from pipeline import DATA_DIR
    from pipeline.documents.people import load_contacts, load_nominees

    examples = DATA_DIR / "review"
    (tmp_path / "2024.yaml").write_text(
        (examples / "example.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "contacts.yaml").write_text(
        (examples / "contacts.example.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "2024-nominations.yaml").write_text(
        (examples / "nominations.example.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    review = load_review(2024, tmp_path)
    assert [e.kind for e in review.entries] == [
        "督查",
        "职责",
    ] and review.stage.status == "征求意见稿"
    assert set(load_contacts(tmp_path)) == {"610902"}
    assert load_nominees(tmp_path, 2024)[0].unit == "石泉县人力资源和社会保障局"
