"""Generate docs/data-dictionary.md from the configuration, so the two cannot disagree.

Run ``python -m pipeline.tools.data_dictionary > docs/data-dictionary.md``; a test checks the file is current."""

from __future__ import annotations

from pipeline.config.indicators import indicators
from pipeline.config.schema import load_targets_config
from pipeline.intake.submission_format import UNIT_FACTORS

KIND_NAMES = {
    "cumulative": "规划期累计（cumulative over the plan）",
    "ceiling_each_year": "逐年上限（ceiling, every year）",
    "floor_each_year": "逐年下限（floor, every year）",
}


def render() -> str:
    plans = load_targets_config().plans
    plan_list = "；".join(f"{p.name} {p.start}–{p.end}（{p.source}）" for p in plans)
    lines = [
        "# 数据字典 / Data dictionary",
        "",
        "Generated from `config/indicators.yaml` and `config/targets.yaml` by",
        "`python -m pipeline.tools.data_dictionary`; do not edit by hand.",
        "",
        f"Plans: {plan_list}.",
        "",
        "| id | 指标 | 表头用语 | 单位 | 类型 | 方向 | 取值范围 | 常见区间 | 条款 | 范围 | 预测 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for item in indicators():
        low, high = item.valid_range
        plausible = (
            f"{item.plausible_range[0]:g}–{item.plausible_range[1]:g}"
            if item.plausible_range
            else "—"
        )
        lines.append(
            f"| `{item.id}` | {item.name} | {item.raw_header} | {item.unit} | {KIND_NAMES[item.kind]} | "
            f"{'越高越好' if item.direction == 'higher_is_better' else '越低越好'} | "
            f"{low:g}–{high:g} | {plausible} | {item.article} | {'仅全市' if item.city_only else '全市及各县区'} | "
            f"{'是' if item.forecast else '否（只报事实）'} |"
        )
    lines += [
        "",
        "## 全市目标 / City targets by plan",
        "",
        "| id | " + " | ".join(f"{p.name}（{p.start}–{p.end}）" for p in plans) + " |",
        "|---|" + "---|" * len(plans),
    ]
    for item in indicators():
        cells = [
            f"{p.city_targets[item.id]:g}" if item.id in p.city_targets else "—" for p in plans
        ]
        lines.append(f"| `{item.id}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "County allocations: "
        + "；".join(
            f"{p.name} — {'正式下达（' + p.allocation_document + '）' if p.allocation_status == 'issued' else '测算数（待替换为正式分解任务）'}"
            for p in plans
        )
        + ".",
    ]
    units = "、".join(f"{unit}（×{factor:g}）" for unit, factor in UNIT_FACTORS.items())
    lines += [
        "",
        "## Tidy table (`data/processed/<year>/tidy.csv`)",
        "",
        "| column | meaning |",
        "|---|---|",
        "| region_code | 6-digit code from `config/regions.yaml` (functional zones: their registry id) |",
        "| region | the registry's Chinese name |",
        "| year | the year of the submission (its folder name) |",
        "| indicator / indicator_name | id and Chinese name above |",
        "| measure | `actual` (完成数) or `task` (目标任务, the annual task) |",
        "| value | in the unit above; blank cells are absent rows, never 0; NaN only with a missing_reason |",
        "| unit | the registry unit |",
        "| source_file, source_sheet, source_row, source_column | where the value was read |",
        "| is_sample | True when the value's file carries the sample note row (样例数据): the report then warns |",
        '| missing_reason | the county\'s reason when it wrote 未报送：<原因> in a required 完成数 cell (value NaN); "" for every other row |',
        "",
        f"Units accepted in headers and their factor to the registry unit: {units}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
