"""Session fixtures for the rendering tests: processed data built once, made hostile, written once
as the report's document and rendered by each renderer (the fallback always; Quarto when it is
found, else those tests skip).

The processed data is the shipped sample run through the pipeline (``run_report``, its public
entry point), then salted with hostile strings in every free-text path that reaches the report
(file name, sheet name, unrecognised header, note rows, QA messages, config text). All rendering
tests read these outputs, so every check — fonts, names on one line, page counts, the browser —
also holds with hostile text present.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipeline.report.document import report_stem
from pipeline.report.publish import find_quarto, publish, render_with_quarto

YEAR = 2024
REMOTE = "http://127.0.0.1:9"  # nothing listens there; any request to it is a failure anyway
HOSTILE = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "[点此](javascript:alert('xss-link'))",
    "<javascript:alert('xss-autolink')>",
    f"![远程图片]({REMOTE}/md.png)",
    f'<img src="{REMOTE}/html.png">',
    "```{=html}<script>alert('xss-raw')</script>```",
    "`{=typst}#panic()` $x^2$ @tbl-city {#bad .callout-note} | ::: <!-- c -->",
]


def hostile(index: int) -> str:
    return HOSTILE[index % len(HOSTILE)]


def salt(processed: Path) -> None:
    """Put hostile strings into the free-text fields of the processed data, as a submission that
    validates cleanly could (markup in its file name, in a header, in note rows)."""
    base = processed / str(YEAR)
    tidy = pd.read_csv(base / "tidy.csv", dtype={"region_code": str})
    first = tidy["source_file"] == tidy["source_file"].iloc[0]
    tidy.loc[first, "source_file"] = f"{hostile(0)}{hostile(5)}.xlsx"
    tidy.loc[first, "source_sheet"] = hostile(1)
    tidy.to_csv(base / "tidy.csv", index=False)
    qa = pd.read_csv(base / "qa_log.csv", dtype=str, keep_default_na=False)
    rows = [
        {"rule": "未识别列", "stage": "读取", "status": "WARN", "file": hostile(i),
         "sheet": hostile(i + 1), "row": "3", "column": hostile(i + 2),
         "message": f"未识别的表头：{hostile(i + 3)}"}
        for i in range(len(HOSTILE))
    ] + [
        {"rule": "说明行", "stage": "读取", "status": "PASS", "file": hostile(i), "sheet": "",
         "row": "20", "column": "", "message": f"说明：{hostile(i)}"}
        for i in range(len(HOSTILE))
    ] + [
        {"rule": hostile(i), "stage": "校验", "status": "WARN", "file": "x.xlsx", "sheet": "",
         "row": "", "column": "", "message": hostile(i + 4)}
        for i in range(3)
    ]  # fmt: skip
    pd.concat([qa, pd.DataFrame(rows)]).to_csv(base / "qa_log.csv", index=False)
    assessment = pd.read_csv(base / "assessment.csv", dtype={"region_code": str, "note": str})
    assessment.loc[assessment.index[:9], "note"] = HOSTILE
    assessment.to_csv(base / "assessment.csv", index=False)


@pytest.fixture(scope="session")
def processed_root(published, tmp_path_factory) -> Path:
    """A copy of the session's one end-to-end run (``published``, tests/conftest.py), salted."""
    root, _ = published
    processed = tmp_path_factory.mktemp("pipeline") / "processed"
    # the published year is a link into its build: copy what it points to
    shutil.copytree((root / "processed" / str(YEAR)).resolve(), processed / str(YEAR))
    salt(processed)
    return processed


def _render(processed: Path, out: Path) -> dict[str, Path]:
    import pipeline.report.inputs as report

    original = report.plan_for_year

    def hostile_plan(year: int):  # config text: the plan's source line reaches the title block
        plan = original(year)
        return plan.model_copy(update={"source": f"{plan.source}{hostile(0)}{hostile(1)}"})

    out.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "plan_for_year", hostile_plan)
        html, pdf = publish(processed, YEAR, out, use_quarto=False)
    return {"html": html, "pdf": pdf, "qmd": out / f"{report_stem(YEAR)}.qmd", "dir": out}


@pytest.fixture(scope="session")
def fallback_out(processed_root, tmp_path_factory) -> dict[str, Path]:
    return _render(processed_root, tmp_path_factory.mktemp("fallback") / "out")


@pytest.fixture(scope="session")
def quarto_out(fallback_out, tmp_path_factory) -> dict[str, Path]:
    """Quarto renders the very document the fallback rendered (publish writes the same .qmd, its
    _render/ assets and figures for both renderers; building them again would only redraw the
    charts). Which renderer publish() picks is tested in tests/report/test_publish.py."""
    quarto = find_quarto()
    if quarto is None:
        pytest.skip("Quarto 不在 PATH 中（也没有 QUARTO_PATH）：跳过 Quarto 渲染的测试")
    out = tmp_path_factory.mktemp("quarto") / "out"
    shutil.copytree(fallback_out["dir"], out, ignore=shutil.ignore_patterns("*.html", "*.pdf"))
    qmd = out / fallback_out["qmd"].name
    html, pdf = render_with_quarto(qmd, quarto)
    return {"html": html, "pdf": pdf, "qmd": qmd, "dir": out}


@pytest.fixture(scope="session", params=["fallback", "quarto"])
def rendered(request, fallback_out) -> dict[str, Path]:
    # fallback_out is named, not only looked up: both renderings start from it, and named it puts
    # these tests with the session's run on one xdist worker (tests/conftest.py)
    return fallback_out if request.param == "fallback" else request.getfixturevalue("quarto_out")


def _poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} 未安装（poppler-utils；scripts/setup_system.sh --test-tools）")
    return subprocess.run([path, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def poppler():
    """Runs a poppler-utils tool (pdffonts, pdftotext, pdfinfo); skips when it is missing."""
    return _poppler
