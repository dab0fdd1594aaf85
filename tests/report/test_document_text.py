"""One character cannot block the year (issue 18): every text that reaches either renderer passes
document.text(), which shows control and format characters by code point and keeps quotes and
hyphens as typed."""

import os
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.report.markup import text

QUARTO = Path("/opt/quarto/quarto-1.7.34/bin/quarto")
HOSTILE_NAME = '完成情况\u202e=1+1\u200b "报表".xlsx'


@given(value=st.text(max_size=30))
def test_no_control_or_format_character_survives(value):
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in text(value))


def test_bidi_override_is_named_and_quotes_are_escaped():
    out = text(HOSTILE_NAME)
    assert "\\[U\\+202E\\]" in out and "\\[U\\+200B\\]" in out
    assert '\\"报表\\"' in out and "\u202e" not in out


def _qmd(folder: Path) -> Path:
    path = folder / "t.qmd"
    body = f"工作表 {text(HOSTILE_NAME)} 与 {text(chr(0x202E) + 'abc')}\n\n| 文件 | 值 |\n|---|---|\n| {text('工作表' + chr(0x202E) + 'abc')} | 1 |\n"
    path.write_text(f"---\ntitle: t\n---\n\n{body}", encoding="utf-8")
    return path


@pytest.mark.skipif(not QUARTO.exists(), reason="Quarto 1.7.34 is not unpacked at /opt/quarto")
def test_a_bidi_override_in_a_sheet_name_does_not_stop_quarto_typst(tmp_path):
    source = _qmd(tmp_path)
    env = {**os.environ, "PATH": f"{QUARTO.parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        [str(QUARTO), "render", source.name, "--to", "typst"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0


def test_straight_quotes_and_hyphens_stay_as_typed_through_pandoc():
    import pypandoc  # the fallback renderer's pandoc (pypandoc-binary), Quarto's Markdown reader

    html = pypandoc.convert_text(text('文件 "a.xlsx" it\'s 2--3'), "html", format="markdown")
    assert '"a.xlsx"' in html.replace("&quot;", '"') and "2--3" in html and "it's" in html
    assert "“" not in html and "–" not in html and "’" not in html
