"""The documents of the shared end-to-end run (its documents stage): the 告知书 numbers equal the
published workbook's, and a review file with one 督查 deduction for one county, applied by the 考核
stage, changes that county's results and documents."""

from __future__ import annotations

import shutil

import docx
import openpyxl
import pandas as pd

from pipeline.annual.results import YearResults
from pipeline.documents.build import make_documents
from pipeline.report.workbook.sheets import workbook_name
from pipeline.stages import steps

YEAR = 2024


def _text(path) -> str:
    document = docx.Document(path)
    return "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )


def test_the_run_publishes_every_document(published):
    _, folder = published
    names = sorted(p.name for p in (folder / "documents").glob("*.docx"))
    assert names[0] == f"01-考核结果通报-{YEAR}.docx" and len(names) >= 15
    letters = [n for n in names if n.startswith("02-")]
    assert len(letters) == 10
    pdfs = {p.stem for p in (folder / "documents").glob("*.pdf")}
    assert pdfs == {n.removesuffix(".docx") for n in names}


def test_letters_equal_the_published_workbook(published):
    _, folder = published
    letters = list((folder / "documents").glob("02-*.docx"))
    sheet = openpyxl.load_workbook(folder / workbook_name(YEAR), read_only=True)["得分排名"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[1])
    checked = 0
    for row in rows[2:]:
        region = row[header.index("地区")]
        letter = next(p for p in letters if p.stem.endswith(region))
        text = _text(letter)
        assert f"考核得分{float(row[header.index('得分')]):.2f}分" in text, region
        assert (
            f"排名第{row[header.index('排名')]}名" in text
            and f"考核等次为{row[header.index('等次')]}" in text
        )
        for part in str(row[header.index("各项得分")]).split("；"):
            name, points = part.rsplit(" ", 1)
            assert any(
                c[0] == name and c[5] == points
                for c in ([x.text for x in r.cells] for r in docx.Document(letter).tables[0].rows)
            ), (region, name)
        checked += 1
    assert checked == 10


def test_one_duchá_deduction_changes_that_countys_documents(published, tmp_path):
    root, folder = published
    processed = tmp_path / "processed"
    shutil.copytree(root / "processed" / str(YEAR), processed / str(YEAR), symlinks=False)
    computed = YearResults.read(processed, YEAR)
    before_score = float(computed.scores.set_index("region")["score"]["汉滨区"])
    review = tmp_path / "review"
    review.mkdir()
    (review / f"{YEAR}.yaml").write_text(
        f"year: {YEAR}\nentries:\n  - region: 汉滨区\n    kind: 督查\n    article: 第二十条\n    points: -3\n"
        "    reason: 督查发现就业台账与报表不一致\n    document_number: 安就领办〔2025〕3号\n",
        encoding="utf-8",
    )
    results = steps.assessment_stage(processed, YEAR, review)
    own = results.scores.set_index("region").loc["汉滨区"]
    assert own["score"] == before_score - 3 and own["computed_score"] == before_score
    assert own["review_points"] == -3 and "安就领办〔2025〕3号" in own["review_notes"]
    assert YearResults.read(processed, YEAR).changes == results.changes  # as written
    after = make_documents(processed, YEAR, tmp_path / "after", review_dir=review, pdf=False)
    letters = {p.name: p for p in after.docx if p.name.startswith("02-")}
    for before in (folder / "documents").glob("02-*.docx"):
        old, new = _text(before), _text(letters[before.name])
        if "汉滨区" in before.name:
            assert f"考核得分{before_score:.2f}分" in old
            assert f"考核得分{before_score - 3:.2f}分" in new
            assert "考评组复核加减-3.00分" in new and "安就领办〔2025〕3号" in new
        else:
            score_line = next(line for line in old.splitlines() if line.startswith("考核得分"))
            assert score_line.split("，")[0] in new  # the other counties' scores are unchanged
    listed = pd.read_csv(
        tmp_path / "after" / f"07-复核调整清单-{YEAR}.csv", encoding="utf-8-sig", dtype=str
    )
    own = listed[listed["地区"] == "汉滨区"]
    assert [f"{before_score:.2f}", f"{before_score - 3:.2f}"] in own[own["项目"] == "得分"][
        ["复核前", "复核后"]
    ].values.tolist()
    assert set(listed[listed["地区"] != "汉滨区"]["项目"]) <= {"资金增减（万元）", "排名"}
    assert pd.read_csv(
        folder / "documents" / f"07-复核调整清单-{YEAR}.csv", encoding="utf-8-sig"
    ).empty
    notice = _text(next(p for p in after.docx if p.name.startswith("01-")))
    assert "考评组复核调整事项" in notice and "督查（第二十条）−3分" in notice
