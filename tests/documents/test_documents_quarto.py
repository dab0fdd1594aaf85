"""With Quarto on PATH, its docx format with the same reference document gives the same layout
as pandoc: page setup, paragraph styles and table text."""

from __future__ import annotations

import docx
import pytest

from pipeline.config.assessment_rules import load_rules
from pipeline.documents import content
from pipeline.documents.reference import A4
from pipeline.documents.render import references, to_docx
from pipeline.documents.settings import load_documents_config
from pipeline.report.publish import find_quarto


def test_quarto_and_pandoc_give_the_same_document(inputs, tmp_path):
    quarto = find_quarto()
    if quarto is None:
        pytest.skip("没有 Quarto（PATH 或 QUARTO_PATH）：只测 pandoc 的路径")
    issuer = load_documents_config().issuer
    reference = references(tmp_path / "ref", "征求意见稿", (issuer.name, issuer.date_placeholder))[
        A4.name
    ]
    code = inputs.scores["region_code"].iloc[0]
    markdown = content.county_letter(inputs, code, load_documents_config(), load_rules())
    made = {
        name: docx.Document(to_docx(markdown, tmp_path / f"{name}.docx", reference, tool))
        for name, tool in (("pandoc", None), ("quarto", quarto))
    }
    pandoc, quarto_doc = made["pandoc"], made["quarto"]
    for attribute in (
        "page_width",
        "page_height",
        "top_margin",
        "bottom_margin",
        "left_margin",
        "right_margin",
    ):
        assert getattr(pandoc.sections[0], attribute) == getattr(quarto_doc.sections[0], attribute)
    assert (
        pandoc.sections[0].header.paragraphs[0].text
        == quarto_doc.sections[0].header.paragraphs[0].text
    )
    assert [(p.style.name, p.text) for p in pandoc.paragraphs] == [
        (p.style.name, p.text) for p in quarto_doc.paragraphs
    ]
    cells = [[c.text for r in d.tables[0].rows for c in r.cells] for d in (pandoc, quarto_doc)]
    assert cells[0] == cells[1]
