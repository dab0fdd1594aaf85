"""Each county's 考核 explained in the executed 40_assessment notebook (issue 13.11): its tasks
against 完成数, each indicator's points, deduction and formula adding up to its score, rank, grade,
约谈/表扬 reasons and fund change — as the 考核 stage's files say, with every text inert."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pipeline.annual.results import YearResults
from pipeline.config.regions import counties
from pipeline.report.county_explained import county_assessment

YEAR = 2024


@pytest.fixture(scope="module")
def results(published) -> YearResults:
    root, _ = published
    return YearResults.read(root / "processed", YEAR)


@pytest.mark.slow
def test_each_countys_block_states_its_tasks_points_formulas_and_outcome(results):
    for county in counties():
        block = county_assessment(results, county.code)
        score = results.scores.set_index("region_code").loc[county.code]
        assert block.startswith(
            f"<h3>{county.name}：{score['score']:.2f}分，第{score['rank']}名（共10个县区），等次：{score['grade']}</h3>"
        )
        items = results.score_items[results.score_items["region_code"] == county.code]
        for item in items.itertuples():
            assert (
                f"<td>{item.points:.2f}</td>" in block
                and item.formula.replace("'", "&#x27;") in block
            )
        assert (
            f"<td>合计</td><td></td><td></td><td></td><td>100</td><td>{score['computed_score']:.2f}</td>"
            in block
        )
        fund = results.funds.set_index("region_code").loc[county.code]
        assert f"次年{fund['next_year']:,.2f}万元" in block
        interviewed = county.code in {s.region_code for s in results.interviews}
        assert ("<b>建议约谈</b>" in block) == interviewed
        assert ("不建议约谈" in block) != interviewed
    # 紫阳县 2024 (sample): 城镇新增就业 1,948 of 2,180, more than 10% short
    zi_yang = county_assessment(results, "610924")
    assert (
        "<td>城镇新增就业</td><td>2,180人</td><td>1,948人</td><td>89.3%</td><td>25</td>" in zi_yang
    )


@pytest.mark.slow
def test_text_from_a_review_stays_text(results):
    code = results.scores["region_code"].iloc[0]
    hostile = '<script>alert(1)</script> \\(x\\) =HYPERLINK("http://x")'
    scores = results.scores.copy()
    scores.loc[scores["region_code"] == code, "review_notes"] = hostile
    block = county_assessment(dataclasses.replace(results, scores=scores), code)
    assert "<script>" not in block and "&lt;script&gt;alert(1)&lt;/script&gt;" in block
    assert "=HYPERLINK(&quot;http://x&quot;)" in block


@pytest.mark.slow
def test_the_executed_notebook_shows_every_countys_block(published, results):
    _, report = published
    notebook = json.loads((report / "notebooks" / "40_assessment.ipynb").read_text())
    html = "".join(
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in notebook["cells"] if cell["cell_type"] == "code"
        for output in cell["outputs"]
    )  # fmt: skip
    for county in counties():
        assert county_assessment(results, county.code) in html
