"""The single entry point: :func:`build_documents` writes every document of a year into a folder
from :class:`DocumentInputs`; :func:`make_documents` does the whole step for a processed year
(the 考核 stage's results, already after the 考评组's review; the 审定 check; the documents)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.annual.review import REVIEW_DIR, load_review
from pipeline.config.assessment_rules import AssessmentRules, load_rules
from pipeline.documents import content
from pipeline.documents.approval import check_approval, stage_label
from pipeline.documents.inputs import DocumentInputs, digest, inputs_from_published
from pipeline.documents.people import load_contacts, load_nominees
from pipeline.documents.reference import A3_LANDSCAPE, A4
from pipeline.documents.render import references, to_docx, to_pdf
from pipeline.documents.settings import DocumentsConfig, load_documents_config
from pipeline.report.publish import find_quarto
from pipeline.store.inert import write_csv


@dataclass(frozen=True)
class Built:
    docx: list[Path]
    pdf: list[Path]
    renderer: str
    message: str = ""


def file_names(inputs: DocumentInputs) -> dict[str, str]:
    """Document key → file stem (without extension); one 告知书 per county, one 约谈通知 per county suggested."""
    year = inputs.year
    names = {"notice": f"01-考核结果通报-{year}"}
    for row in inputs.scores.sort_values("region_code").itertuples():
        names[f"letter:{row.region_code}"] = (
            f"02-考核结果告知书-{year}-{row.region_code}-{row.region}"
        )
    for s in inputs.interviews:
        names[f"interview:{s.region_code}"] = f"03-约谈通知-{year}-{s.region_code}-{s.region}"
    names["commendation"] = f"04-表扬通报-{year}"
    names["summary"] = f"05-领导摘要-{year}"
    names["sheet"] = f"06-考核结果汇总表-{year}-A3"
    names["changes"] = f"07-复核调整清单-{year}"
    return names


def write_changes(inputs: DocumentInputs, path: Path) -> None:
    """Every change the review made, one row each (UTF-8 with BOM so that Excel/WPS read it; its
    reasons are the review's text, written inert like every CSV of the project)."""
    rows = [dataclasses.asdict(c) for c in inputs.changes]
    columns = {"region_code": "地区代码", "region": "地区", "item": "项目", "before": "复核前",
               "after": "复核后", "reason": "依据", "document_number": "文号"}  # fmt: skip
    write_csv(
        pd.DataFrame(rows, columns=list(columns)).rename(columns=columns),
        path,
        encoding="utf-8-sig",
    )


def build_documents(
    inputs: DocumentInputs, out_dir: Path, *, stage: str, review_dir: Path = REVIEW_DIR,
    use_quarto: bool | None = None, pdf: bool = True,
    config: DocumentsConfig | None = None, rules: AssessmentRules | None = None,
) -> Built:  # fmt: skip
    """Write every document (.docx, and .pdf unless ``pdf`` is False) into ``out_dir``."""
    config, rules = config or load_documents_config(), rules or load_rules()
    quarto = find_quarto() if use_quarto in (None, True) else None
    if use_quarto and quarto is None:
        raise RuntimeError("要求用 Quarto 生成 .docx，但找不到 quarto（PATH 或 QUARTO_PATH）")
    out_dir.mkdir(parents=True, exist_ok=True)
    refs = references(
        out_dir / "_reference",
        content.stamp(stage, inputs.is_sample),
        (config.issuer.name, config.issuer.date_placeholder),
        (A4, A3_LANDSCAPE),
    )
    contacts = load_contacts(review_dir)
    markdown = {"notice": content.notice(inputs, config, rules)}
    for code in sorted(inputs.scores["region_code"]):
        markdown[f"letter:{code}"] = content.county_letter(inputs, code, config, rules)
    for s in inputs.interviews:
        markdown[f"interview:{s.region_code}"] = content.interview_notice(
            inputs, s.region_code, contacts.get(s.region_code, content.Contact()), config
        )
    markdown["commendation"] = content.commendation_notice(
        inputs, load_nominees(review_dir, inputs.year), config
    )
    markdown["summary"] = content.leader_summary(inputs, rules)
    markdown["sheet"] = content.summary_sheet(inputs)
    names = file_names(inputs)
    docx_files = []
    for key, text in markdown.items():
        paper = A3_LANDSCAPE if key == "sheet" else A4
        docx_files.append(to_docx(text, out_dir / f"{names[key]}.docx", refs[paper.name], quarto))
    pdf_files = to_pdf(docx_files, out_dir) if pdf else []
    write_changes(inputs, out_dir / f"{names['changes']}.csv")
    return Built(docx_files, pdf_files, f"Quarto（{quarto}）" if quarto else "pandoc")


def make_documents(
    processed_dir: Path, year: int, out_dir: Path, *, review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False, use_quarto: bool | None = None, pdf: bool = True,
) -> Built:  # fmt: skip
    """A processed year's documents; refuses (StageError) to rebuild an approved year whose inputs
    changed, unless ``accept_changes``."""
    rules = load_rules()
    inputs = inputs_from_published(processed_dir, year)
    review = load_review(year, review_dir, rules)
    config = load_documents_config()
    # the wording of the documents (issuer, deadlines) and the review bounds are part of what was approved
    fingerprint = inputs.fingerprint() | {
        "公文配置": digest(config.model_dump(mode="json")),
        "复核界限": digest(rules.review.model_dump(mode="json")),
    }
    message = check_approval(year, review, fingerprint, review_dir, accept_changes)
    built = build_documents(inputs, out_dir, stage=stage_label(review), review_dir=review_dir,
                            use_quarto=use_quarto, pdf=pdf, config=config, rules=rules)  # fmt: skip
    return Built(built.docx, built.pdf, built.renderer, message)
