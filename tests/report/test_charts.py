"""Chart text is readable on A4 paper: every text of a figure, scaled to the printed text width
(7.0 in), is at least 8 pt."""

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.text import Text

from pipeline.config.indicators import indicators_for
from pipeline.config.regions import all_regions, by_code
from pipeline.report import charts

A4_TEXT_WIDTH_IN = 7.0


def _smallest_printed_pt(figure) -> float:
    scale = A4_TEXT_WIDTH_IN / figure.get_figwidth()
    figure.canvas.draw()
    sizes = [
        t.get_fontsize() * scale
        for t in figure.findobj(Text)
        if t.get_text().strip() and t.get_visible()
    ]
    plt.close(figure)
    return min(sizes)


def test_status_matrix_and_region_panel_print_at_8_pt_or_more():
    rows = [
        {"region_code": r.code, "indicator": i.id, "status": "进度正常", "probability": 0.9}
        for r in all_regions()
        for i in indicators_for(r)
    ]
    assert _smallest_printed_pt(charts.status_matrix(pd.DataFrame(rows))) >= 8
    region = by_code("610902")
    tidy = pd.DataFrame(
        [{"region_code": region.code, "indicator": i.id, "measure": "actual", "year": y, "value": 100.0 + y % 7}
         for i in indicators_for(region) for y in range(2016, 2025)]
    )  # fmt: skip
    paths = pd.DataFrame(
        [{"region_code": region.code, "indicator": i.id, "year": 2025, "lo80": 90.0, "median": 100.0, "hi80": 110.0}
         for i in indicators_for(region)]
    )  # fmt: skip
    assert _smallest_printed_pt(charts.region_panel(tidy, paths, region, 2024)) >= 8
