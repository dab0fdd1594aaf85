"""Session fixtures: the documents of the shared end-to-end run (``published``), built once, with
hostile text planted wherever submitted or reviewed text can reach a document."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from pipeline.annual.scoring import Suggestion
from pipeline.documents.build import build_documents
from pipeline.documents.inputs import inputs_from_published
from pipeline.documents.render import find_soffice

YEAR = 2024
# Markdown, HTML, Word field codes, a spreadsheet formula, a bare URL and a raw openxml block.
HOSTILE = (
    "<script>alert(1)</script> [点我](http://evil.example/a) `{=openxml}` "
    '<w:fldSimple w:instr="HYPERLINK http://evil.example"/> =HYPERLINK("http://evil.example") '
    'http://bare.example/x {.red} **粗** $x$ @tbl-a ::: {custom-style="Title"}'
)


@pytest.fixture(scope="session")
def inputs(published):
    root, _ = published
    return inputs_from_published(root / "processed", YEAR)


@pytest.fixture(scope="session")
def hostile_inputs(inputs):
    """The real inputs with hostile text in the deductions, a fact's wording and a 约谈 reason."""
    scores = inputs.scores.copy()
    scores.loc[0, "deductions"] = f"{scores.loc[0, 'deductions']}；{HOSTILE}".strip("；")
    facts = inputs.facts.copy()
    facts.loc[0, "wording"] = HOSTILE
    facts.loc[0, "questioned"] = True
    first = inputs.interviews[0]
    interviews = (
        Suggestion(first.region_code, first.region, (*first.reasons, HOSTILE)),
        *inputs.interviews[1:],
    )
    return dataclasses.replace(inputs, scores=scores, facts=facts, interviews=interviews)


@pytest.fixture(scope="session")
def built(hostile_inputs, tmp_path_factory):
    """Every document, .docx and (when LibreOffice is present) PDF, built once per session."""
    out = tmp_path_factory.mktemp("documents")
    review_dir = out / "review"  # no review, no contacts: placeholders
    review_dir.mkdir()
    return build_documents(
        hostile_inputs, out / "out", stage="征求意见稿", review_dir=review_dir,
        use_quarto=False, pdf=find_soffice() is not None,
    )  # fmt: skip


@pytest.fixture(scope="session")
def hostile() -> str:
    return HOSTILE


@pytest.fixture()
def pdf_tools() -> None:
    """Skip, saying why, when LibreOffice or poppler-utils is absent."""
    if find_soffice() is None:
        pytest.skip(
            "没有 LibreOffice（soffice）：scripts/setup_system.sh --test-tools 安装 libreoffice-writer"
        )
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("没有 poppler-utils：scripts/setup_system.sh --test-tools 安装")
