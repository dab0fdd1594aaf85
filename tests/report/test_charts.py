"""Chart text is legible on A4 paper: measured on each figure as it prints at the A4 text width
(its saved, tight box), no text is below 9 pt, tick labels never run into each other and the
sample label covers nothing."""

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

from pipeline import REFERENCE_DIR
from pipeline.config.indicators import indicators, indicators_for
from pipeline.config.regions import all_regions, by_code, counties
from pipeline.config.schema import load_regions_config
from pipeline.report import charts
from pipeline.report.formatting import SAMPLE_STATUS

REGION = by_code("610902")


def _status_matrix() -> Figure:
    rows = [
        {"region_code": r.code, "indicator": i.id, "status": "进度正常", "probability": 0.9}
        for r in all_regions()
        for i in indicators_for(r)
    ]
    return charts.status_matrix(pd.DataFrame(rows))


def _region_panel() -> Figure:
    tidy = pd.DataFrame(
        [{"region_code": REGION.code, "indicator": i.id, "measure": "actual", "year": y,
          "value": 2.0 if i.integer and i.unit == "次" else 100.0 + y % 7}
         for i in indicators_for(REGION) for y in range(2016, 2025)]
    )  # fmt: skip
    paths = pd.DataFrame(
        [{"region_code": REGION.code, "indicator": i.id, "year": 2025, "lo80": 90.0, "median": 100.0, "hi80": 110.0}
         for i in indicators_for(REGION)]
    )  # fmt: skip
    return charts.region_panel(tidy, paths, REGION, 2024)


def _progress_bars() -> Figure:
    flow = next(i for i in indicators() if i.kind == "cumulative")
    rows = pd.DataFrame(
        [{"region": r.name, "region_code": r.code, "indicator": flow.id, "actual_to_date": 70.0 + k,
          "target": 100.0, "status": "进度正常" if k % 2 else "难以完成"}
         for k, r in enumerate(all_regions())]
    )  # fmt: skip
    return charts.progress_bars(rows, flow.id, 2024)


def _score_map() -> Figure:
    boundaries = json.loads(
        (REFERENCE_DIR / load_regions_config().boundaries).read_text(encoding="utf-8")
    )
    scores = pd.DataFrame(
        [{"region_code": c.code, "score": 99.99 - k * 3, "grade": "优秀" if k < 3 else "良好"}
         for k, c in enumerate(counties())]
    )  # fmt: skip
    return charts.score_map(
        scores, boundaries, "2024年各县（市、区）考核得分与等次", ["优秀", "良好", "达标", "不达标"]
    )


FIGURES = {
    "status_matrix": _status_matrix,
    "region_panel": _region_panel,
    "progress_bars": _progress_bars,
    "score_map": _score_map,
}


def _rectangle(text: Text, renderer) -> tuple[float, float, float, float]:
    """A text's own rectangle in its rotated frame (display units): x0, x1, y0, y1. Rotating
    about the anchor keeps the rectangle's centre at the centre of its axis-aligned box."""
    angle = np.radians(text.get_rotation())
    centre = text.get_window_extent(renderer)
    rotation = text.get_rotation()
    text.set_rotation(0)
    upright = text.get_window_extent(renderer)
    text.set_rotation(rotation)
    cx, cy = (centre.x0 + centre.x1) / 2, (centre.y0 + centre.y1) / 2
    u, v = cx * np.cos(angle) + cy * np.sin(angle), -cx * np.sin(angle) + cy * np.cos(angle)
    return (
        u - upright.width / 2,
        u + upright.width / 2,
        v - upright.height / 2,
        v + upright.height / 2,
    )


def _overlaps(texts: list[Text], renderer=None) -> list[tuple[str, str]]:
    """Pairs of texts of one rotation (the tick labels of one axis) whose rectangles overlap."""
    if not texts:
        return []
    renderer = renderer or texts[0].figure.canvas.get_renderer()
    boxes = [(t.get_text(), _rectangle(t, renderer)) for t in texts]
    return [
        (a, b)
        for (a, (ax0, ax1, ay0, ay1)), (b, (bx0, bx1, by0, by1)) in combinations(boxes, 2)
        if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1
    ]


def _as_saved(figure: Figure, folder: Path) -> dict:
    """Saves the figure as the report does and measures it while it is drawn into the file (a
    tight save re-places what is anchored to the figure's edge): the smallest printed size, the
    tick labels of each axis that overlap, and what the sample label overlaps."""
    measured = {}

    def measure(event) -> None:
        renderer = event.renderer
        texts = charts.drawn_texts(figure)
        label = next((t for t in texts if t.get_text() == SAMPLE_STATUS), None)
        if label is None:  # a drawing before the label (to measure the sizes)
            return
        box = label.get_window_extent(renderer)
        drawn = {id(t) for t in texts}
        measured["ticks"] = [
            pair
            for axis in figure.axes
            for ticks in (axis.get_xticklabels(), axis.get_yticklabels())
            for pair in _overlaps([t for t in ticks if id(t) in drawn], renderer)
        ]
        measured["under_label"] = [
            t.get_text()
            for t in texts
            if t is not label and t.get_window_extent(renderer).overlaps(box)
        ] + [g for g in figure.legends if g.get_window_extent(renderer).overlaps(box)]

    figure.canvas.mpl_connect("draw_event", measure)
    measured["smallest_pt"] = charts.smallest_printed_pt(figure)  # before the label: its own size
    charts.save(figure, folder / "chart.png", SAMPLE_STATUS)
    assert "ticks" in measured  # measured while saving
    return measured


@pytest.mark.parametrize("name", FIGURES)
def test_every_chart_prints_legibly_on_a4_with_its_sample_label_clear(name, tmp_path):
    measured = _as_saved(FIGURES[name](), tmp_path)
    assert measured["smallest_pt"] >= charts.MIN_PRINTED_PT
    assert measured["ticks"] == []  # the ticks of one axis never run together
    assert measured["under_label"] == []


def test_the_region_panels_show_the_first_and_the_plan_years_and_whole_counts():
    figure = _region_panel()
    years = {tuple(int(x) for x in axis.get_xticks()) for axis in figure.axes if axis.has_data()}
    assert years == {(2016, 2021, 2025)}
    meetings = next(a for a in figure.axes if a.get_title().startswith("常务会"))
    assert all(
        float(v).is_integer() for v in meetings.get_yticks()
    )  # 2 次 every year: "2", not "2.025"
    plt.close(figure)


def test_a_chart_too_wide_for_a4_is_refused_naming_it(tmp_path):
    figure, axis = plt.subplots(figsize=(14, 3))  # 9 pt text in a 14 in figure squeezed into 7 in
    axis.set_title("太宽的图", fontsize=9)
    with pytest.raises(
        ValueError, match=r"图 wide\.png：最小的文字印在A4纸上只有 5\.\d 磅，至少应为 9 磅"
    ):
        charts.save(figure, tmp_path / "wide.png")
    assert not (tmp_path / "wide.png").exists()
    figure, axis = plt.subplots(figsize=(charts.PRINT_WIDTH, 3))
    axis.set_title("合适的图", fontsize=9)
    assert charts.save(figure, tmp_path / "fits.png", SAMPLE_STATUS) == f"{tmp_path.name}/fits.png"


def test_the_overlap_check_sees_run_together_years_also_rotated():
    figure, axis = plt.subplots(figsize=(2.2, 2))
    axis.set_xlim(2015.5, 2025.5)
    axis.set_xticks(range(2016, 2026))
    axis.tick_params(labelsize=charts.MIN_PRINTED_PT)
    figure.canvas.draw()
    assert ("2016", "2017") in _overlaps(axis.get_xticklabels())
    axis.set_xticks([2016, 2021, 2025])
    figure.canvas.draw()
    assert _overlaps(axis.get_xticklabels()) == []
    axis.set_xticks(range(2016, 2026), [str(y) for y in range(2016, 2026)], rotation=30)
    figure.canvas.draw()
    assert ("2016", "2017") in _overlaps(axis.get_xticklabels())
    plt.close(figure)


def test_a_saved_chart_records_its_sample_stamp_and_is_reused_only_with_the_same(tmp_path):
    from pipeline.report.formatting import Figures

    def chart() -> Figure:
        figure, axis = plt.subplots(figsize=(charts.PRINT_WIDTH, 3))
        axis.set_title("一张图", fontsize=9)
        return figure

    stamped, plain = tmp_path / "stamped.png", tmp_path / "plain.png"
    charts.save(chart(), stamped, SAMPLE_STATUS)
    charts.save(chart(), plain)
    assert (charts.saved_stamp(stamped), charts.saved_stamp(plain)) == (SAMPLE_STATUS, "")
    data = stamped.read_bytes()  # before the image data, where saved_stamp reads it
    assert data.index(charts.STAMP_KEY.encode()) < data.index(b"IDAT")
    (tmp_path / "figures").mkdir()
    figures = Figures(tmp_path / "figures", SAMPLE_STATUS)
    drawn_again = []

    def draw() -> Figure:
        drawn_again.append(True)
        return chart()

    markup = figures.reuse(stamped, "a.png", "fig-a", "图甲", draw)
    assert (tmp_path / "figures" / "a.png").read_bytes() == stamped.read_bytes()
    assert "figures/a.png" in markup and drawn_again == []
    figures.reuse(plain, "b.png", "fig-b", "图乙", draw)  # a chart without the report's stamp
    assert drawn_again == [True]
    assert charts.saved_stamp(tmp_path / "figures" / "b.png") == SAMPLE_STATUS


def _status_matrix_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"region_code": r.code, "indicator": i.id, "status": "进度正常", "probability": 0.9}
            for r in all_regions()
            for i in indicators_for(r)
        ]
    )


def test_the_status_matrix_is_cut_into_parts_that_fit_a_printed_page():
    codes = [f"{k:03d}" for k in range(29)]  # a county and its 28 towns
    parts = charts.matrix_parts(codes)
    assert [len(p) for p in parts] == [10, 10, 9] and sum(parts, []) == codes
    assert charts.matrix_parts(codes[:11]) == [codes[:11]]  # the city and its ten counties
    assert (
        charts.matrix_parts(codes[:14]) == [codes[:14]]
        and len(charts.matrix_parts(codes[:15])) == 2
    )
    assert charts.part_title("矩阵", 2, 3) == "矩阵（2/3）"
    assert charts.part_title("矩阵", 1, 1) == "矩阵"


def test_a_status_matrix_longer_than_a_page_is_refused(monkeypatch):
    monkeypatch.setattr(charts, "MATRIX_ROWS", 5)
    with pytest.raises(
        ValueError, match="状态矩阵一张图最多 5 个地区（用 matrix_parts 分成几张），这里有 11 个"
    ):
        charts.status_matrix(_status_matrix_rows())


def _large_region_panel() -> Figure:
    """A panel whose values default matplotlib would show as an offset or a power of ten."""
    tidy = pd.DataFrame(
        [{"region_code": REGION.code, "indicator": i.id, "measure": "actual", "year": y,
          "value": 1_234_500.0 + y % 7}
         for i in indicators_for(REGION) for y in range(2016, 2025)]
    )  # fmt: skip
    return charts.region_panel(
        tidy, pd.DataFrame(columns=["region_code", "indicator"]), REGION, 2024
    )


@pytest.mark.parametrize("draw", [_region_panel, _large_region_panel, _status_matrix])
def test_titles_placed_once_draw_the_picture_matplotlib_would_place_them_in(
    draw, tmp_path, monkeypatch
):
    placed = tmp_path / "placed.png"
    charts.save(draw(), placed, SAMPLE_STATUS)
    monkeypatch.setattr(
        charts, "_title_without_labels",
        lambda axes, title, fontsize: axes.set_title(title, fontsize=fontsize),
    )  # fmt: skip
    automatic = tmp_path / "automatic.png"
    charts.save(draw(), automatic, SAMPLE_STATUS)
    assert placed.read_bytes() == automatic.read_bytes()


def test_a_region_panel_shows_large_values_as_plain_numbers():
    figure = _large_region_panel()
    figure.draw_without_rendering()
    offsets = [a.yaxis.get_offset_text().get_text() for a in figure.axes if a.axison]
    labels = [t.get_text() for a in figure.axes if a.axison for t in a.get_yticklabels()]
    plt.close(figure)
    assert offsets and set(offsets) == {""}
    assert any(label.replace("−", "").isdigit() and len(label) >= 7 for label in labels)


def test_a_title_is_placed_once_only_on_axes_without_axis_labels():
    figure, axes = plt.subplots()
    axes.set_ylabel("人")
    with pytest.raises(ValueError):
        charts._title_without_labels(axes, "标题", 9)
    plt.close(figure)


def _progress_rows(count: int) -> pd.DataFrame:
    flow = next(i for i in indicators() if i.kind == "cumulative")
    return pd.DataFrame(
        [{"region": f"第{k}镇", "region_code": f"T{k:03d}", "indicator": flow.id,
          "actual_to_date": 30.0 + 3 * k, "target": 100.0, "status": "进度正常"}
         for k in range(count)]
    )  # fmt: skip


def test_progress_bars_of_many_regions_come_in_parts_that_fit_a_page_on_one_axis(tmp_path):
    rows = _progress_rows(45)  # a county's towns, or a synthetic run: once one 18-inch picture
    flow = rows["indicator"].iloc[0]
    parts = charts.progress_bar_parts(rows, flow)
    assert [len(p) for p in parts] == [15, 15, 15]
    assert sum(parts, []) == list(rows["region_code"])
    a4_text_height_in = (297 - 2 * 18) / 25.4
    limits = set()
    for number in range(1, len(parts) + 1):
        figure = charts.progress_bars(rows, flow, 2024, (number, len(parts)))
        limits.add(figure.axes[0].get_xlim())
        names = [t.get_text() for t in figure.axes[0].get_yticklabels()]
        assert set(names) == {f"第{k}镇" for k in range(15 * (number - 1), 15 * number)}
        assert figure.axes[0].get_title().endswith(f"（{number}/3）")
        measured = _as_saved(figure, tmp_path)
        assert measured["smallest_pt"] >= charts.MIN_PRINTED_PT
        assert figure.get_size_inches()[1] < a4_text_height_in
    assert len(limits) == 1  # one scale: a bar in part 3 compares with one in part 1
    with pytest.raises(ValueError, match="进度条图应分为 3 张"):
        charts.progress_bars(rows, flow, 2024, (1, 1))
    assert len(charts.progress_bar_parts(_progress_rows(charts.PROGRESS_ROWS), flow)) == 1
