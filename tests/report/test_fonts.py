from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from pipeline.config.regions import all_regions
from pipeline.report import fonts


def test_cjk_font_has_a_glyph_for_every_character_the_report_draws():
    fonts.configure_matplotlib()
    path = font_manager.findfont(
        font_manager.FontProperties(family=fonts.CJK_FAMILY), fallback_to_default=False
    )
    face = FT2Font(path)
    text = (
        "".join(r.name for r in all_regions())
        + "城镇新增就业登记失业率达标概率难以完成存在风险进度正常时序"
    )
    missing = [ch for ch in set(text) if face.get_char_index(ord(ch)) == 0]
    assert missing == []


def test_a_stale_font_cache_without_the_cjk_family_is_rebuilt(monkeypatch):
    stale = font_manager.FontManager.__new__(font_manager.FontManager)
    stale.__dict__.update(font_manager.fontManager.__dict__)
    stale.ttflist = [f for f in font_manager.fontManager.ttflist if f.name != fonts.CJK_FAMILY]
    monkeypatch.setattr(font_manager, "fontManager", stale)
    fonts.configure_matplotlib()
    assert any(f.name == fonts.CJK_FAMILY for f in font_manager.fontManager.ttflist)
