"""Markdown → .docx (pandoc, or Quarto's docx format when Quarto is on PATH; the same reference
document either way) → PDF (LibreOffice headless converting the .docx).

Why LibreOffice for the PDF: the PDF is then the very document the official edits, with the
reference document's layout; a WeasyPrint stylesheet would be a second copy of GB/T 9704 to keep in
step. The standard's fonts are not free, so LibreOffice gets fontconfig aliases to the Noto CJK
fonts (Debian ``fonts-noto-cjk``) — the .docx keeps the standard's names for Word/WPS.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import yaml
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from pipeline.documents.reference import (
    A4,
    FANGSONG,
    HEITI,
    IMPRINT_RULES_EIGHTHS_PT,
    IMPRINT_STYLES,
    KAITI,
    SIZE_4HAO,
    SONGTI,
    XIAOBIAOSONG,
    Paper,
    build_reference,
    ems,
)

# Submitted text must stay text: no raw HTML/TeX/openxml, no bare URLs turned into links, and
# no "smart" quotes or dashes rewriting what a county wrote.
READER = "markdown-raw_html-raw_tex-raw_attribute-autolink_bare_uris-smart"
FREE_FONTS = {
    FANGSONG: "Noto Serif CJK SC", XIAOBIAOSONG: "Noto Serif CJK SC", KAITI: "Noto Serif CJK SC",
    SONGTI: "Noto Serif CJK SC", HEITI: "Noto Sans CJK SC", "Times New Roman": "Noto Serif CJK SC",
}  # fmt: skip
SOFFICE_TIMEOUT = 300  # seconds for one LibreOffice run (one batch)
# LibreOffice's memory grows with every document one run converts (437 MiB for the 242 documents
# of 200 regions, 280 MiB in runs of 40, no slower: docs/benchmark.md), and it runs beside the
# report's print (issue 17: peak under 2 GiB). Runs of at most this many, one after another.
SOFFICE_BATCH = 40


class RenderError(RuntimeError):
    pass


def to_docx(markdown: str, out: Path, reference: Path, quarto: str | None = None) -> Path:
    """One document: Markdown → ``out`` (.docx) with ``reference`` as the reference document; its
    then what pandoc cannot say is set (:func:`finish`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if quarto:
        _quarto_docx(markdown, out, reference, quarto)
    else:
        _pandoc_docx(markdown, out, reference)
    finish(out)
    return out


def _pandoc_docx(markdown: str, out: Path, reference: Path) -> Path:
    import pypandoc

    done = subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", READER, "-t", "docx", "--reference-doc", str(reference), "-o", str(out)],
        input=markdown, text=True, capture_output=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RenderError(f"pandoc 生成 {out.name} 失败：{done.stderr.strip()}")
    return out


def _quarto_docx(markdown: str, out: Path, reference: Path, quarto: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="documents-quarto-") as tmp:
        source = Path(tmp) / "document.qmd"
        front = {"from": READER, "format": {"docx": {"reference-doc": str(reference.resolve())}}}
        source.write_text(
            f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{markdown}", encoding="utf-8"
        )
        done = subprocess.run(
            [quarto, "render", source.name, "--to", "docx"], cwd=tmp, capture_output=True, text=True
        )
        produced = Path(tmp) / "document.docx"
        if done.returncode != 0 or not produced.exists():
            raise RenderError(
                f"quarto render --to docx 生成 {out.name} 失败：{done.stderr.strip()[-2000:]}"
            )
        shutil.move(produced, out)
    return out


EMU_PER_MM = 36000
_BOX = """<w:r xmlns:w="{w}" xmlns:wp="{wp}" xmlns:a="{a}" xmlns:wps="{wps}"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0"
 locked="0" layoutInCell="1" allowOverlap="0"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>
<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>
<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>
<wp:docPr id="{id}" name="版记"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="{wps}"><wps:wsp><wps:cNvSpPr txBox="1"/>
<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>
<wps:txbx><w:txbxContent/></wps:txbx>
<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b">
<a:spAutoFit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"""
_NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
}


def finish(path: Path) -> None:
    """What Markdown cannot express, set on the .docx itself (the same for pandoc and Quarto)."""
    document = docx.Document(str(path))
    keep_signature_with_text(document)
    place_imprint(document)
    document.save(str(path))


def keep_signature_with_text(document) -> None:
    """The 发文机关署名 and 成文日期 never stand alone on a page (§7.3.5), nor with the 附件说明
    only: what comes before the 署名, back to the last paragraph of 正文, keeps with it (that
    paragraph may still split: its last lines move over with the signature)."""
    paragraphs = document.paragraphs
    for i, paragraph in enumerate(paragraphs):
        if paragraph.style.name != "发文机关署名":
            continue
        for before in reversed(paragraphs[:i]):
            before.paragraph_format.keep_with_next = True
            if before.style.name != "附件说明":
                break


def place_imprint(document) -> None:
    """Put the 版记 (the paragraphs in the reference document's IMPRINT_STYLES, at the end of the
    text) in a text box anchored to the bottom of the type area (GB/T 9704 §7.4: 版记置于公文最后一面，
    版记的最后一个要素置于最后一行; body text never flows beside it). Its rules: 首条、末条粗线, 中间细线.
    The 印发日期 joins the 印发机关 on one line after a tab (the style's right tab stop). A text box
    because LibreOffice 7 lays out framed paragraphs and page-wide floating tables inline."""
    imprint = []
    for paragraph in reversed(document.paragraphs):
        if paragraph.style.name not in IMPRINT_STYLES:
            break
        imprint.insert(0, paragraph)
    if not imprint:
        return
    lines = []
    for paragraph in imprint:
        if paragraph.style.name == "印发日期" and lines and lines[-1].style.name == "印发机关":
            lines[-1].add_run().add_tab()
            for run in paragraph._p.findall(qn("w:r")):
                lines[-1]._p.append(run)
            paragraph._p.getparent().remove(paragraph._p)
        else:
            lines.append(paragraph)
    section = document.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    per_line = (width - 2 * Pt(SIZE_4HAO)) / Pt(SIZE_4HAO)  # 左右各空一字
    rows = sum(math.ceil(max(ems(p.text), 1) / per_line) for p in lines)
    pitch = int(section._sectPr.find(qn("w:docGrid")).get(qn("w:linePitch")))  # twips
    height = round(rows * pitch / 1440 * 25.4 * EMU_PER_MM)
    box = etree.fromstring(_BOX.format(**_NAMESPACES, cx=int(width), cy=height, id=9704))
    content = box.find(".//" + qn("w:txbxContent"))
    for i, paragraph in enumerate(lines):
        _rules(paragraph, first=i == 0, last=i == len(lines) - 1)
        content.append(paragraph._p)
    # anchored in a paragraph after the text: the box sits at the foot of the page where the text ends
    document.add_paragraph()._p.append(box)


def _rules(paragraph, *, first: bool, last: bool) -> None:
    """版记's rules: a thick one above the first element and below the last, thin ones between."""
    borders = OxmlElement("w:pBdr")
    for side, weight, wanted in (
        ("top", "outer", first),
        ("bottom", "outer" if last else "inner", True),
    ):
        if wanted:
            edge = OxmlElement(f"w:{side}")
            for key, value in (("w:val", "single"), ("w:sz", str(IMPRINT_RULES_EIGHTHS_PT[weight])),
                               ("w:space", "1"), ("w:color", "000000")):  # fmt: skip
                edge.set(qn(key), value)
            borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file: the system's, plus the standard's font names mapped to free CJK fonts."""
    aliases = "\n".join(
        f'  <match target="pattern"><test name="family"><string>{name}</string></test>'
        f'<edit name="family" mode="assign" binding="strong"><string>{free}</string></edit></match>'
        for name, free in FREE_FONTS.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n{aliases}\n</fontconfig>\n',
        encoding="utf-8",
    )
    return path


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(documents: list[Path], out_dir: Path, batch: int = SOFFICE_BATCH) -> list[Path]:
    """Convert .docx files to PDF with LibreOffice, ``batch`` documents a run, one run after
    another in one profile of its own (so that runs of other builds never clash)."""
    soffice = find_soffice()
    if soffice is None:
        raise RenderError(
            "找不到 LibreOffice（soffice）。请安装：apt-get install libreoffice-writer（scripts/setup_system.sh）"
        )
    with tempfile.TemporaryDirectory(prefix="documents-lo-") as tmp:
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(Path(tmp))), "HOME": tmp}
        for start in range(0, len(documents), batch):
            part = documents[start : start + batch]
            done = subprocess.run(
                [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, part)],
                capture_output=True, text=True, env=env, timeout=SOFFICE_TIMEOUT,
            )  # fmt: skip
            missing = [d.stem + ".pdf" for d in part if not (out_dir / (d.stem + ".pdf")).exists()]
            if done.returncode != 0 or missing:
                raise RenderError(
                    f"LibreOffice 转换 PDF 失败（缺少 {missing}）：{done.stderr.strip()[-2000:]}"
                )
    return [out_dir / (d.stem + ".pdf") for d in documents]


def references(
    folder: Path, stamp: str, signature: tuple[str, str], papers: tuple[Paper, ...] = (A4,)
) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {paper.name: build_reference(folder / f"reference-{paper.width_mm:g}x{paper.height_mm:g}.docx",
                                        stamp=stamp, signature=signature, paper=paper)
            for paper in papers}  # fmt: skip
