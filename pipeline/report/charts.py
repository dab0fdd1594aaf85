"""Charts and display tables for the notebooks and the report (matplotlib, Chinese labels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.patches import Patch, Polygon
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from pipeline.annual.exact import rate_text, signed
from pipeline.config.indicators import indicator, indicators, indicators_for, plan_for_year, target
from pipeline.config.regions import Region, all_regions, resolve_region
from pipeline.config.schema import Indicator, Plan
from pipeline.report.fonts import configure_matplotlib

configure_matplotlib()

STATUS_COLOURS = {
    "已完成": "#1b7837", "进度正常": "#7fbf7b", "至今达标": "#a6dba0", "存在风险": "#f1a340",
    "难以完成": "#d73027", "已无法完成": "#a50026",
    "完成": "#1b7837", "未完成": "#d73027", "无数据": "#bbbbbb",
}  # fmt: skip
# Statuses whose colour is dark enough that their labels are printed in white.
DARK_STATUSES = {"已完成", "完成", "难以完成", "已无法完成", "未完成"}
DISPLAY_COLUMNS = [
    "地区", "指标", "规划目标", "截至本年", "时序进度差（百分点）", "进度核算", "期末预测", "预测范围（八成把握）",
    "达标概率", "数据年数", "状态", "说明",
]  # fmt: skip
# In the plan's last year there is nothing to forecast: the table is a verdict.
FINAL_DISPLAY_COLUMNS = ["地区", "指标", "规划目标", "规划期完成", "完成率", "状态", "说明"]


def assessment_table(assessment: pd.DataFrame, final: bool = False) -> pd.DataFrame:
    """The assessment with Chinese column names and readable number formats."""
    units = assessment["unit"]
    items = [indicator(i) for i in assessment["indicator"]]

    def formatted(column: str) -> list[str]:
        return [format_value(v, item) for v, item in zip(assessment[column], items, strict=True)]

    names = [
        f"{indicator(i).short_name}（{u}）"
        for i, u in zip(assessment["indicator"], units, strict=True)
    ]
    notes = assessment["note"].fillna("")
    if final:
        rates = [
            rate_text(a, t) if k == "cumulative" else "—"
            for a, t, k in zip(
                assessment["actual_to_date"], assessment["target"], assessment["kind"], strict=True
            )
        ]
        done = [
            value if kind == "cumulative" else check
            for value, kind, check in zip(
                formatted("actual_to_date"), assessment["kind"], assessment["check"], strict=True
            )
        ]
        return pd.DataFrame({
            "地区": assessment["region"], "指标": names, "规划目标": formatted("target"),
            "规划期完成": done, "完成率": rates, "状态": assessment["status"], "说明": notes,
        })[FINAL_DISPLAY_COLUMNS]  # fmt: skip
    forecast = assessment["probability"].notna()
    table = pd.DataFrame({
        "地区": assessment["region"],
        "指标": names,
        "规划目标": formatted("target"),
        "截至本年": formatted("actual_to_date"),
        "时序进度差（百分点）": [signed(g * 100, ".1f") if np.isfinite(g) else "—" for g in assessment["time_progress_gap"]],
        "进度核算": assessment["check"].fillna("—"),
        "期末预测": [v if f else "不预测" for v, f in zip(formatted("forecast_end"), forecast, strict=True)],
        "预测范围（八成把握）": [f"{lo}–{hi}" if f and lo != "—" else "—" for lo, hi, f in zip(formatted("forecast_end_lo80"), formatted("forecast_end_hi80"), forecast, strict=True)],
        "达标概率": [f"{p * 100:.0f}%" if np.isfinite(p) else "—" for p in assessment["probability"]],
        "数据年数": [f"{n}年" if f else "—" for n, f in zip(assessment["history_years"], forecast, strict=True)],
        "状态": assessment["status"],
        "说明": notes,
    })  # fmt: skip
    return table[DISPLAY_COLUMNS]


# Every figure is placed at the full text width of A4 (210 mm less 2 × 16 mm margins, both renderers:
# markup.figure) and saved with a tight box plus matplotlib's padding on each side; drawn at
# PRINT_WIDTH, a font size in points here is about its size on paper. save() measures each figure
# as printed and refuses one whose smallest text would print below MIN_PRINTED_PT.
A4_TEXT_WIDTH_IN = (210 - 2 * 16) / 25.4
SAVE_PAD_IN = 0.05
PRINT_WIDTH = A4_TEXT_WIDTH_IN - 2 * SAVE_PAD_IN
MIN_PRINTED_PT = 9
SAMPLE_COLOUR = "#c00000"
SAVE_DPI = 150
# The saved PNG records the sample status it was stamped with (a text chunk of the file), so that a
# chart drawn once by a stage is reused by the report only when it carries the report's stamp.
STAMP_KEY = "Warning"


def visible_texts(figure: Figure) -> list[Text]:
    """Every piece of text the figure draws (titles, ticks, labels, legends, annotations): not the
    labels of ticks outside an axis's limits or of an axis switched off, which are never drawn.
    The figure is laid out as for drawing (ticks placed, texts measured) but not rasterised."""
    figure.draw_without_rendering()
    return drawn_texts(figure)


def drawn_texts(figure: Figure) -> list[Text]:
    """The texts of :func:`visible_texts` as of the figure's last drawing (it draws nothing)."""
    undrawn = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * (high - low)
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not axes.axison or not low - slack <= tick.get_loc() <= high + slack:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    return [
        t
        for t in figure.findobj(Text)
        if t.get_text().strip() and t.get_visible() and id(t) not in undrawn
    ]


def printed_scale(figure: Figure, box: Bbox | None = None) -> float:
    """How much the saved image is scaled to fit the A4 text width (its tight box, padded;
    ``box``: that box when it is already measured, in inches)."""
    box = box if box is not None else figure.get_tightbbox(figure.canvas.get_renderer())
    return A4_TEXT_WIDTH_IN / (box.width + 2 * SAVE_PAD_IN)


def smallest_printed_pt(figure: Figure) -> float:
    """The size on paper of the figure's smallest text, in points."""
    return min(t.get_fontsize() for t in visible_texts(figure)) * printed_scale(figure)


def label_sample(figure: Figure, box: Bbox, sample_status: str) -> Text:
    """The sample status on its own line, right-aligned under everything the figure shows
    (``box``: the figure's tight box, in inches)."""
    width, height = figure.get_size_inches()
    return figure.text(
        box.x1 / width, (box.y0 - 0.04) / height, sample_status, ha="right", va="top",
        fontsize=MIN_PRINTED_PT, color=SAMPLE_COLOUR, fontweight="bold",
    )  # fmt: skip


def _title_without_labels(axes: Axes, title: str, fontsize: float) -> None:
    """Title an axes that has no axis labels, with the title, and the labels' unused places, set
    where matplotlib would put them, so that it does not work them out again on every layout pass
    and drawing: each time it measures every tick label of the axis, and of the y axis once more
    for the title — half of a region chart's cost, paid for every region of every run. The ticks
    are at the bottom and left and the y axis shows no offset or power of ten ("1e6" over the
    axis, which the title would have moved up for), so the title sits just above the axes: the
    picture is the same, byte for byte (tests/report/test_charts.py)."""
    if axes.get_xlabel() or axes.get_ylabel():
        raise ValueError("_title_without_labels is for axes without axis labels")
    axes.set_title(title, fontsize=fontsize, y=1.0)
    axes.xaxis.set_label_coords(0.5, -0.1)
    axes.yaxis.set_label_coords(-0.1, 0.5)


def _tight(figure: Figure, rect: tuple[float, float, float, float] = (0, 0, 1, 1)) -> None:
    """``figure.tight_layout(rect=rect)``, applied once without leaving a layout engine on the
    figure: with one, every ``savefig`` lays the figure out and draws it once more."""
    TightLayoutEngine(rect=rect).execute(figure)


def save(figure: Figure, path: Path, sample_status: str = "") -> str:
    """Save a chart for the report (``figures/<name>`` relative to the report's folder) or for a
    stage's processed folder, where the notebook shows it and the report copies it.

    A chart of sample data says so on its own line under everything else, so that it cannot be
    copied out of the report without the warning and never covers a legend or an axis. A chart
    whose smallest text would print below MIN_PRINTED_PT on A4 is an error, not a picture.

    Laid out once, at the saved resolution, for the tight box (which places the ticks, so the
    check needs no drawing of its own), and drawn once into the file with that box
    (``savefig(bbox_inches="tight")`` would lay it out once more to find it): a region's chart is
    drawn for every region of every run."""
    figure.set_dpi(SAVE_DPI)
    renderer = figure.canvas.get_renderer()
    box = figure.get_tightbbox(renderer)  # places the ticks, so no drawing is needed to find them
    texts = drawn_texts(figure)
    if sample_status:
        label = label_sample(figure, box, sample_status)
        texts.append(label)
        inches = figure.dpi_scale_trans.inverted()
        box = Bbox.union([box, label.get_window_extent(renderer).transformed(inches)])
    smallest = min(t.get_fontsize() for t in texts) * printed_scale(figure, box)
    if smallest < MIN_PRINTED_PT - 0.005:
        plt.close(figure)
        raise ValueError(
            f"图 {path.name}：最小的文字印在A4纸上只有 {smallest:.1f} 磅，"
            f"至少应为 {MIN_PRINTED_PT} 磅（图太宽或字号太小）"
        )
    metadata = {STAMP_KEY: sample_status} if sample_status else {}
    figure.savefig(path, dpi=SAVE_DPI, bbox_inches=box.padded(SAVE_PAD_IN), metadata=metadata)
    plt.close(figure)
    return f"{path.parent.name}/{path.name}"


def saved_stamp(path: Path) -> str:
    """The sample status a chart saved by :func:`save` was stamped with ('' for none).

    Read from the chunks before the image data, without decoding the picture (``Image.text``
    would decode it, to reach chunks after the data): Pillow writes the saved metadata there."""
    from PIL import Image

    with Image.open(path) as image:
        return image.info.get(STAMP_KEY, "")


def format_value(value: float, item: Indicator | str) -> str:
    """A value with the indicator's configured decimals (thousands separated when whole).

    ``item`` may still be a unit symbol (older callers): then the decimals are those configured
    for the indicators in that unit, which must agree."""
    if not np.isfinite(value):
        return "—"
    if isinstance(item, str):
        decimals = {i.decimals for i in indicators() if i.unit == item}
        if len(decimals) != 1:
            raise ValueError(
                f"单位“{item}”的指标配置了不同的小数位数 {sorted(decimals)}：请传入指标"
            )
        places = decimals.pop()
    else:
        places = item.decimals
    return f"{value:,.0f}" if places == 0 else f"{value:.{places}f}"


def region_panel(tidy: pd.DataFrame, paths: pd.DataFrame, region: Region, year: int) -> Figure:
    """Small multiples, one per indicator: history, annual task, 80% forecast band and target."""
    plan = plan_for_year(year)
    items = indicators_for(region)
    columns = 3
    rows = int(np.ceil(len(items) / columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(PRINT_WIDTH, 2.5 * rows), squeeze=False, dpi=SAVE_DPI
    )
    actual = tidy[
        (tidy["region_code"] == region.code)
        & (tidy["measure"] == "actual")
        & (tidy["year"] <= year)
    ]
    for axis, item in zip(axes.flat, items, strict=False):
        history = actual[actual["indicator"] == item.id].sort_values("year")
        axis.plot(history["year"], history["value"], marker="o", color="#2166ac", label="完成数")
        future = paths[(paths["region_code"] == region.code) & (paths["indicator"] == item.id)]
        if not future.empty and not history.empty:
            # Start the band at the last observation so that a one-year forecast is visible too.
            last_year, last_value = int(history["year"].iloc[-1]), float(history["value"].iloc[-1])
            band_years = [last_year, *future["year"]]
            axis.fill_between(
                band_years,
                [last_value, *future["lo80"]],
                [last_value, *future["hi80"]],
                color="#92c5de",
                alpha=0.6,
                label="预测范围（八成把握）",
            )
            axis.plot(
                band_years,
                [last_value, *future["median"]],
                linestyle="--",
                marker="s",
                markevery=list(range(1, len(band_years))),
                color="#2166ac",
                label="预测",
            )
        goal = target(plan, item, region)
        level = goal / len(plan.years) if item.kind == "cumulative" else goal
        axis.axhline(
            level,
            color="#b2182b",
            linestyle=":",
            label="年均目标" if item.kind == "cumulative" else "目标线",
        )
        axis.axvspan(plan.start - 0.5, plan.end + 0.5, color="#f0f0f0", zorder=0)
        _title_without_labels(axis, f"{item.short_name}（{item.unit}）", fontsize=9.5)
        axis.tick_params(labelsize=MIN_PRINTED_PT)
        first_year = int(actual["year"].min()) if not actual.empty else plan.start
        axis.set_xlim(first_year - 0.5, plan.end + 0.5)
        # a third of the text width holds three legible years, not ten: the first year and the plan's
        axis.set_xticks(sorted({first_year, plan.start, plan.end}))
        if item.integer:  # no "1.925次" on the axis of a count, even when every year is the same
            axis.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        axis.ticklabel_format(axis="y", style="plain", useOffset=False)
    for axis in list(axes.flat)[len(items) :]:
        axis.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    # anchored in the figure's own frame: a legend placed against the figure's edge would move to
    # the edge of the saved, tight image, onto the sample label under it
    figure.legend(
        handles, labels, loc="lower center", ncol=4, fontsize=MIN_PRINTED_PT, frameon=False,
        bbox_to_anchor=(0.5, 0), bbox_transform=figure.transFigure,
    )  # fmt: skip
    forecast = "" if paths[paths["region_code"] == region.code].empty else f"与{plan.name}期末预测"
    figure.suptitle(f"{region.name}：历年完成数{forecast}（灰底为规划期）", fontsize=11)
    _tight(figure, rect=(0, 0.05, 1, 0.96))
    return figure


# Rows of the status matrix in one picture: 0.5 in a row, so that a part (with its axis labels,
# title and sample label) fits the A4 text height; more regions (a county's 28 towns) are split
# into parts of nearly equal size, each its own figure. The progress bars: 0.38 in a row.
MATRIX_ROWS = 14
PROGRESS_ROWS = 20


def row_parts(codes: list[str], most: int) -> list[list[str]]:
    """``codes`` in order, cut into the fewest parts of at most ``most``, nearly equal."""
    count = -(-len(codes) // most)
    return [list(part) for part in np.array_split(codes, count)] if codes else []


def matrix_parts(codes: list[str]) -> list[list[str]]:
    """The status matrix's rows (``codes``) in parts of at most MATRIX_ROWS (:func:`row_parts`)."""
    return row_parts(codes, MATRIX_ROWS)


def part_title(title: str, number: int, count: int) -> str:
    """A part's title: the chart's, with 'part 2 of 3' when there is more than one."""
    return title if count == 1 else f"{title}（{number}/{count}）"


def part_suffix(number: int) -> str:
    """What a part's file name and figure label add after the chart's: nothing for the first."""
    return "" if number == 1 else f"-{number}"


def status_matrix_parts(assessment: pd.DataFrame, title: str) -> list[tuple[str, pd.DataFrame]]:
    """The status matrix's parts (:func:`matrix_parts`, in the regions' order), each with its
    title: what the city stage draws and the report places, one figure each."""
    present = set(assessment["region_code"])
    parts = matrix_parts([r.code for r in all_regions() if r.code in present])
    return [
        (
            part_title(title, number, len(parts)),
            assessment[assessment["region_code"].isin(part)],
        )
        for number, part in enumerate(parts, start=1)
    ]


def status_matrix_title(plan: Plan, year: int) -> str:
    """The status matrix's title: statuses and probabilities, or in the plan's last year its verdict."""
    return f"各地区{plan.name}目标" + ("最终完成情况" if year == plan.end else "完成状态与达标概率")


def status_matrix(assessment: pd.DataFrame, title: str = "各地区目标完成状态与达标概率") -> Figure:
    """Regions × indicators, coloured by status, with the probability of meeting each target."""
    present = set(assessment["region_code"])
    regions = [r for r in all_regions() if r.code in present]
    if len(regions) > MATRIX_ROWS:
        raise ValueError(
            f"状态矩阵一张图最多 {MATRIX_ROWS} 个地区（用 matrix_parts 分成几张），这里有 {len(regions)} 个"
        )
    items = list(indicators())
    statuses = list(STATUS_COLOURS)
    grid = np.full((len(regions), len(items)), np.nan)
    figure, axis = plt.subplots(figsize=(PRINT_WIDTH, 0.5 * len(regions) + 2))
    for i, region in enumerate(regions):
        for j, item in enumerate(items):
            match = assessment[
                (assessment["region_code"] == region.code) & (assessment["indicator"] == item.id)
            ]
            if match.empty:
                axis.text(
                    j,
                    i,
                    "不适用",
                    ha="center",
                    va="center",
                    fontsize=MIN_PRINTED_PT,
                    color="#666666",
                )
                continue
            row = match.iloc[0]
            grid[i, j] = statuses.index(row["status"])
            probability = row["probability"]
            label = (
                f"{row['status']}\n{probability * 100:.0f}%"
                if np.isfinite(probability)
                else row["status"]
            )
            dark = row["status"] in DARK_STATUSES
            axis.text(
                j,
                i,
                label,
                ha="center",
                va="center",
                fontsize=MIN_PRINTED_PT,
                color="white" if dark else "black",
            )
    axis.imshow(
        np.ma.masked_invalid(grid),
        cmap=ListedColormap(list(STATUS_COLOURS.values())),
        vmin=-0.5,
        vmax=len(statuses) - 0.5,
        aspect="auto",
    )
    axis.set_xticks(
        range(len(items)), [item.short_name for item in items], rotation=30, ha="right",
        fontsize=MIN_PRINTED_PT,
    )  # fmt: skip
    axis.set_yticks(range(len(regions)), [r.name for r in regions], fontsize=MIN_PRINTED_PT)
    _title_without_labels(axis, title, fontsize=11)
    _tight(figure)
    return figure


def progress_bar_parts(assessment: pd.DataFrame, indicator_id: str) -> list[list[str]]:
    """The progress bars' regions, in order, in parts of at most PROGRESS_ROWS that each fit a
    printed page (a county's 28 towns would have run off it): one figure each."""
    rows = assessment[assessment["indicator"] == indicator_id]
    return row_parts([str(code) for code in rows["region_code"]], PROGRESS_ROWS)


def progress_bars(
    assessment: pd.DataFrame, indicator_id: str, year: int, part: tuple[int, int] = (1, 1)
) -> Figure:
    """Completed share of a cumulative target by region, against the elapsed share (时序进度).

    ``part``: which of :func:`progress_bar_parts` to draw (number, count), titled so; its x axis
    is the one every part shares, set by all the regions, so that bars compare across parts."""
    item = indicator(indicator_id)
    plan = plan_for_year(year)
    every = assessment[assessment["indicator"] == indicator_id]
    number, count = part
    parts = progress_bar_parts(assessment, indicator_id)
    if len(parts) != count:
        raise ValueError(f"进度条图应分为 {len(parts)} 张，这里说 {count} 张")
    rows = every[every["region_code"].astype(str).isin(parts[number - 1])].iloc[::-1]
    share = rows["actual_to_date"] / rows["target"] * 100
    highest = float((every["actual_to_date"] / every["target"] * 100).max())
    elapsed = (year - plan.start + 1) / len(plan.years) * 100
    figure, axis = plt.subplots(figsize=(PRINT_WIDTH, 0.38 * len(rows) + 1.4))
    colours = [STATUS_COLOURS.get(s, "#bbbbbb") for s in rows["status"]]
    axis.barh(rows["region"], share, color=colours)
    axis.axvline(elapsed, color="#333333", linestyle="--")
    axis.text(
        elapsed, len(rows) - 0.4, f" 时序进度 {elapsed:.0f}%", fontsize=MIN_PRINTED_PT, va="bottom"
    )
    for position, value in enumerate(share):
        axis.text(value + 0.5, position, f"{value:.1f}%", va="center", fontsize=MIN_PRINTED_PT)
    shown = [status for status in STATUS_COLOURS if status in set(rows["status"])]
    # under the axis, in one row: inside it, the legend covered the longest bars and their values
    figure.legend(
        handles=[Patch(color=STATUS_COLOURS[status], label=status) for status in shown],
        title="颜色：状态", fontsize=MIN_PRINTED_PT, title_fontsize=MIN_PRINTED_PT,
        loc="lower center", ncol=len(shown), frameon=False,
        bbox_to_anchor=(0.5, 0), bbox_transform=figure.transFigure,
    )  # fmt: skip
    axis.set_xlabel(f"截至{year}年完成{plan.name}目标的比例（%）")
    axis.set_xlim(0, max(105, highest + 8))
    axis.set_title(part_title(f"{item.name}：完成进度", number, count), fontsize=11)
    _tight(figure, rect=(0, 0.5 / figure.get_size_inches()[1], 1, 1))
    return figure


GRADE_COLOURS = ("#1a9850", "#a6d96a", "#fee08b", "#d73027", "#bbbbbb")  # best grade first


def score_map(scores: pd.DataFrame, boundaries: dict, title: str, grades: list[str]) -> Figure:
    """Choropleth of the counties coloured by grade (``grades`` best first), each labelled with
    its name, score and grade.

    ``boundaries`` is a GeoJSON FeatureCollection whose ``adcode`` resolves through the region
    registry (old codes such as 旬阳县 610928 included)."""
    by_code = scores.set_index("region_code")
    colours = dict(zip(grades, GRADE_COLOURS, strict=False))
    figure, axis = plt.subplots(figsize=(PRINT_WIDTH, 7))
    for feature in boundaries["features"]:
        region = resolve_region(str(feature["properties"]["adcode"]))
        row = by_code.loc[region.code]
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for polygon in polygons:
            axis.add_patch(
                Polygon(
                    polygon[0], closed=True, facecolor=colours.get(row["grade"], GRADE_COLOURS[-1]),
                    edgecolor="white", linewidth=1.2,
                )
            )  # fmt: skip
        x, y = feature["properties"].get("centroid") or feature["properties"]["center"]
        axis.text(
            x, y, f"{region.name}\n{row['score']:.2f}分 {row['grade']}",
            ha="center", va="center", fontsize=MIN_PRINTED_PT,
        )  # fmt: skip
    axis.autoscale_view()
    axis.set_aspect(1 / np.cos(np.radians(32.7)))  # equal distances at Ankang's latitude
    axis.axis("off")
    axis.legend(
        handles=[Patch(color=colours[g], label=g) for g in grades if g in colours],
        title="等次", loc="lower left", fontsize=MIN_PRINTED_PT,
    )  # fmt: skip
    axis.set_title(title, fontsize=12)
    _tight(figure)
    return figure
