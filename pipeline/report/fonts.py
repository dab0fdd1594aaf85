"""Chinese glyphs in matplotlib: find Noto Sans CJK SC, rebuilding a stale font cache if needed.

matplotlib caches its font list; a cache built before fonts-noto-cjk was installed lacks the CJK
family and charts then show tofu boxes. ``configure_matplotlib`` detects that and rebuilds once.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

CJK_FAMILY = "Noto Sans CJK SC"


class MissingFontError(RuntimeError):
    pass


def _has_family(family: str) -> bool:
    return any(f.name == family for f in font_manager.fontManager.ttflist)


def rebuild_font_cache() -> None:
    """Rebuild matplotlib's font list from the fonts now installed on the system."""
    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)


def configure_matplotlib() -> None:
    """Make the CJK family matplotlib's default sans-serif; fail loudly if it is not installed."""
    if not _has_family(CJK_FAMILY):
        rebuild_font_cache()
    if not _has_family(CJK_FAMILY):
        raise MissingFontError(
            f"matplotlib 找不到字体“{CJK_FAMILY}”，图中汉字会显示为方框。"
            "请安装 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk）后运行 make setup。"
        )
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
