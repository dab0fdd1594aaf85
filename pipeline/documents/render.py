"""Markdown → .docx (pandoc, or Quarto's docx format when Quarto is on PATH; the same reference
document either way) → PDF (LibreOffice headless converting the .docx).

Why LibreOffice for the PDF: the PDF is then the very document the official edits, with the
reference document's layout; a WeasyPrint stylesheet would be a second copy of GB/T 9704 to keep in
step. The standard's fonts are not free, so LibreOffice gets fontconfig aliases to the Noto CJK
fonts (Debian ``fonts-noto-cjk``) — the .docx keeps the standard's names for Word/WPS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from pipeline.documents.reference import (
    A4,
    FANGSONG,
    HEITI,
    KAITI,
    SONGTI,
    XIAOBIAOSONG,
    Paper,
    build_reference,
)

# Submitted text must stay text: no raw HTML/TeX/openxml, no bare URLs turned into links, and
# no "smart" quotes or dashes rewriting what a county wrote.
READER = "markdown-raw_html-raw_tex-raw_attribute-autolink_bare_uris-smart"
FREE_FONTS = {
    FANGSONG: "Noto Serif CJK SC", XIAOBIAOSONG: "Noto Serif CJK SC", KAITI: "Noto Serif CJK SC",
    SONGTI: "Noto Serif CJK SC", HEITI: "Noto Sans CJK SC", "Times New Roman": "Noto Serif CJK SC",
}  # fmt: skip
SOFFICE_TIMEOUT = 300


class RenderError(RuntimeError):
    pass


def to_docx(markdown: str, out: Path, reference: Path, quarto: str | None = None) -> Path:
    """One document: Markdown → ``out`` (.docx) with ``reference`` as the reference document."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if quarto:
        return _quarto_docx(markdown, out, reference, quarto)
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


def to_pdf(documents: list[Path], out_dir: Path) -> list[Path]:
    """Convert .docx files to PDF with one LibreOffice run (its own profile, so runs never clash)."""
    soffice = find_soffice()
    if soffice is None:
        raise RenderError(
            "找不到 LibreOffice（soffice）。请安装：apt-get install libreoffice-writer（scripts/setup_system.sh）"
        )
    with tempfile.TemporaryDirectory(prefix="documents-lo-") as tmp:
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(Path(tmp))), "HOME": tmp}
        done = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, documents)],
            capture_output=True, text=True, env=env, timeout=SOFFICE_TIMEOUT,
        )  # fmt: skip
    pdfs = [out_dir / (d.stem + ".pdf") for d in documents]
    missing = [p.name for p in pdfs if not p.exists()]
    if done.returncode != 0 or missing:
        raise RenderError(
            f"LibreOffice 转换 PDF 失败（缺少 {missing}）：{done.stderr.strip()[-2000:]}"
        )
    return pdfs


def references(folder: Path, stamp: str, papers: tuple[Paper, ...] = (A4,)) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {paper.name: build_reference(folder / f"reference-{paper.width_mm:g}x{paper.height_mm:g}.docx",
                                        stamp=stamp, paper=paper) for paper in papers}  # fmt: skip
