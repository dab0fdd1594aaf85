"""``make bench``: the run's speed and memory, written to docs/benchmark.md (never a timed test).

For each renderer (the fallback; Quarto too when it is found):

1. ``make report`` cold (processed, reports and builds empty; .venv present) and a no-op rebuild,
   each a fresh process as the analyst runs it;
2. the limit: the same run with every stage's function called in one plain Python process, one
   after another, no notebooks or kernels (``run_year`` with ``execute_in_process``);
3. the ratio (1)/(2), by CPU seconds and by wall seconds.

Then synthetic sets of N regions (11, 50, 200 by default) on 1 and 2 workers, and the one-process
limit at each size: the sample counties copied with noise under new codes, with a generated
regions.yaml, allocations, long-format submissions and a synthetic reference folder (population
and boundaries of counties that do not exist, labelled so); the same notebooks.

CPU seconds are those of the whole process tree (kernels included); peak memory is the sum over
the tree. Every measurement runs in a temporary folder: the repository's data and reports are not
touched. Run it alone (``flock /tmp/fullbuild.lock make bench`` on a shared machine).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline import CONFIG_DIR, PROJECT_ROOT, RAW_DIR

BENCH_YEAR = 2024
GOAL_RATIO = 1.5
GOAL_NOOP_SECONDS = 2.0
GOAL_200_SECONDS = 240.0
GOAL_MEMORY_MB = 2048.0
# "The one-process limit linear in regions": the CPU seconds each added region costs, from one
# size to the next, may grow by at most this factor (a cost that grows with the square of the
# regions doubles it from 11→50 to 50→200).
GOAL_LINEAR_GROWTH = 1.2
LIMIT_LABEL = "单进程下限"  # section 4's rows of the one-process limit
DOC = PROJECT_ROOT / "docs" / "benchmark.md"
SYNTHETIC_LABEL = "合成数据（基准测试用，pipeline/tools/bench.py 生成）：不是真实的县区、人口或边界"

RUN_SCRIPT = """
import sys
from pathlib import Path
from pipeline.runner.execute import execute_in_process, execute_notebook
from pipeline.runner.run import RunOptions, run_year
root = Path(sys.argv[1])
result = run_year(RunOptions(
    {year}, Path(sys.argv[2]), workers={workers}, use_quarto={use_quarto},
    processed_root=root / "processed", reports_root=root / "reports", builds_root=root / "builds",
    runner={runner}, progress=False, reuse_kernels={reuse_kernels},
))
print("changed" if result.changed else "no-op")
"""


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every descendant it waited for
    memory: float  # peak resident memory of the process tree, MiB
    said: str  # the last line of its standard output


def _tree_rss(process) -> int:
    import psutil

    total = 0
    try:
        for p in [process, *process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], env: dict | None = None) -> Measurement:
    """Run ``command`` alone and measure it. CPU is the change in this process's children's
    rusage, which includes the kernels the run starts and reaps."""
    import psutil

    cpu_before, started = _children_cpu(), time.perf_counter()
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched = psutil.Process(child.pid)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(watched))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    done.set()
    sampler.join()
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} 失败：\n{err[-3000:]}")
    lines = out.strip().splitlines()
    return Measurement(seconds, cpu, peak[0] / 2**20, lines[-1] if lines else "")


def run_measured(
    root: Path,
    raw: Path,
    *,
    workers: int | None,
    use_quarto: bool,
    in_process: bool = False,
    reuse_kernels: bool | None = None,
    env: dict | None = None,
) -> Measurement:
    """One ``run_year`` in a fresh interpreter: by notebooks (as ``make report``: in started
    kernels, or a fresh kernel for each with ``reuse_kernels=False``), or with every stage's
    function called in that one process (``in_process``, the limit)."""
    script = RUN_SCRIPT.format(
        year=BENCH_YEAR,
        workers=1 if in_process else workers,
        use_quarto=use_quarto,
        runner="execute_in_process" if in_process else "execute_notebook",
        reuse_kernels=reuse_kernels,
    )
    return measure([sys.executable, "-c", script, str(root), str(raw)], env=env)


# ----------------------------------------------------------------------------------- synthetic


def synthetic_project(n_regions: int, folder: Path) -> tuple[Path, dict[str, str]]:
    """The raw folder, and the environment that points the pipeline at a config folder and a
    reference folder, for the city and ``n_regions - 1`` synthetic counties."""
    from pipeline.config.indicators import indicators
    from pipeline.config.reference import county_population
    from pipeline.config.regions import city, counties
    from pipeline.intake.collect import intake

    rng = np.random.default_rng(n_regions)
    real = counties()
    n_counties = n_regions - 1
    base = [real[k % len(real)] for k in range(n_counties)]
    codes = [f"{700001 + k}" for k in range(n_counties)]
    names = [f"合成{k + 1:03d}县" for k in range(n_counties)]
    factors = rng.uniform(0.8, 1.2, n_counties)  # each synthetic county's size against its model
    config = folder / "config"
    shutil.copytree(CONFIG_DIR, config)
    regions = yaml.safe_load((CONFIG_DIR / "regions.yaml").read_text(encoding="utf-8"))
    regions["counties"] = [{"code": c, "name": n} for c, n in zip(codes, names, strict=True)]
    regions["functional_zones"] = []
    (config / "regions.yaml").write_text(yaml.safe_dump(regions, allow_unicode=True), "utf-8")
    targets = yaml.safe_load((CONFIG_DIR / "targets.yaml").read_text(encoding="utf-8"))
    for plan in targets["plans"]:
        for indicator_id, allocation in plan["county_allocations"].items():
            total = plan["city_targets"][indicator_id]
            weights = np.array([allocation[b.code] for b in base], dtype=float)
            shares = np.floor(total * weights / weights.sum())
            shares[0] += total - shares.sum()
            plan["county_allocations"][indicator_id] = {
                c: int(s) if float(s).is_integer() else float(s)
                for c, s in zip(codes, shares, strict=True)
            }
    (config / "targets.yaml").write_text(yaml.safe_dump(targets, allow_unicode=True), "utf-8")
    reference = _synthetic_reference(
        folder / "reference",
        codes,
        names,
        [county_population(2021)[b.code] * f for b, f in zip(base, factors, strict=True)],
    )

    tidy, _ = intake(RAW_DIR, BENCH_YEAR)
    actual = tidy[tidy["measure"] == "actual"]
    integer = {i.id: i.integer for i in indicators()}
    units = {i.id: i.unit for i in indicators()}
    rows = []
    city_rows = actual[actual["region_code"] == city().code]
    rows += [
        (city().name, r.year, r.indicator, r.value, units[r.indicator])
        for r in city_rows.itertuples()
    ]
    for name, source, factor in zip(names, base, factors, strict=True):
        own = actual[actual["region_code"] == source.code]
        for r in own.itertuples():
            if integer[r.indicator]:
                value = max(0.0, round(r.value * factor * rng.uniform(0.95, 1.05)))
            else:
                value = float(np.clip(r.value + rng.normal(0, 0.1), 0.1, 99.9))
            rows.append((name, r.year, r.indicator, value, units[r.indicator]))
    frame = pd.DataFrame(rows, columns=["地区", "年份", "指标", "数值", "单位"])
    raw = folder / "raw"
    for year, group in frame.groupby("年份"):
        (raw / str(year)).mkdir(parents=True)
        group.to_csv(raw / str(year) / f"synthetic-{year}.csv", index=False, encoding="utf-8")
    return raw, {"ANKANG_CONFIG_DIR": str(config), "ANKANG_REFERENCE_DIR": str(reference)}


def _synthetic_reference(
    folder: Path, codes: list[str], names: list[str], population: list[float]
) -> Path:
    """What the run reads from data/reference/ for counties that do not exist: their 2021 户籍人口
    (the fund rule's sample split) and square boundaries on a grid (the score map), each file
    labelled synthetic."""
    (folder / "geo").mkdir(parents=True)
    (folder / "README.md").write_text(f"# {SYNTHETIC_LABEL}\n", encoding="utf-8")
    pd.DataFrame({
        "source_repo": "synthetic", "source_path": "pipeline/tools/bench.py",
        "region": [f"{n}({c})" for c, n in zip(codes, names, strict=True)], "year": 2021,
        "indicator": "PopNum", "value": np.round(population, 2), "unit": "万人（合成）",
    }).to_csv(folder / "ankang_counties_panel.csv", index=False)  # fmt: skip
    side = int(np.ceil(np.sqrt(len(codes))))
    features = []
    for k, (code, name) in enumerate(zip(codes, names, strict=True)):
        x, y = 108.0 + 0.3 * (k % side), 33.0 - 0.3 * (k // side)
        square = [[x, y], [x + 0.28, y], [x + 0.28, y + 0.28], [x, y + 0.28], [x, y]]
        features.append({
            "type": "Feature",
            "properties": {"adcode": int(code), "name": name, "centroid": [x + 0.14, y + 0.14]},
            "geometry": {"type": "Polygon", "coordinates": [square]},
        })  # fmt: skip
    collection = {"type": "FeatureCollection", "name": SYNTHETIC_LABEL, "features": features}
    (folder / "geo" / "ankang_counties.geojson").write_text(
        json.dumps(collection, ensure_ascii=False), encoding="utf-8"
    )
    return folder


# ----------------------------------------------------------------------------------- the bench


def _commit() -> str:
    """The commit measured, and whether the working tree differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    changed = [
        line for line in git("status", "--porcelain").splitlines()
        if not line.endswith("docs/benchmark.md")
    ]  # fmt: skip
    return git("rev-parse", "--short=12", "HEAD") + ("（另有未提交的改动）" if changed else "")


TOWNS_SECTION = "## 5. 全市镇（办）考核"


def measure_towns(root: Path) -> tuple[Measurement, Measurement]:
    """``make towns`` cold (every unit over its towns, then the city) and again with nothing
    changed, with every output under ``root`` (``ANKANG_OUTPUT_ROOT``), the fallback renderer."""
    from pipeline.config.units import OUTPUT_ROOT_ENV

    command = [sys.executable, "-m", "pipeline", "towns", f"--year={BENCH_YEAR}", "--no-quarto"]
    env = os.environ | {OUTPUT_ROOT_ENV: str(root)}
    return measure(command, env=env), measure(command, env=env)


def stage_times(root: Path, year: int = BENCH_YEAR) -> dict[str, tuple[int, float]]:
    """Per stage of the registry (year, county, report, …): how many ran and their seconds added
    up, from the stages.json of every published build under ``root`` (the units' and the city's):
    where the town run's time went, as the runner itself timed each stage (its wall time; stages
    that ran side by side are each timed in full)."""
    from pipeline.runner.builds import CURRENT
    from pipeline.runner.fingerprint import read_manifest

    totals: dict[str, tuple[int, float]] = {}
    for pointer in sorted((root / "builds").rglob(f"{year}/{CURRENT}")):
        for stage_id, record in read_manifest(pointer).get("stages", {}).items():
            if record.get("status") == "ran":
                name = stage_id.split("-", 1)[0]  # county-610902001 → county
                count, seconds = totals.get(name, (0, 0.0))
                totals[name] = (count + 1, seconds + record.get("seconds", 0.0))
    return totals


def write_towns_section(
    commit: str,
    cold: Measurement,
    noop: Measurement,
    stages: dict[str, tuple[int, float]] | None = None,
) -> None:
    """Section 5 of docs/benchmark.md, in place: the rest of the file is left as measured;
    ``stages``: the cold run's :func:`stage_times`."""
    from pipeline.config.hierarchy import load_towns
    from pipeline.config.units import configured_units

    units = configured_units()
    towns = sum(1 for t in load_towns() if t.county_code in units)
    section = [
        TOWNS_SECTION,
        "",
        f"`make towns YEAR={BENCH_YEAR}`（`python -m pipeline towns`，`pipeline/runner/units.py`）：{len(units)}个县区"
        f"各自考核所辖镇（办）（共{towns}个，样例数据），然后全市；每次运行一个进程，同时运行的县区数 = 核数"
        f"（{os.cpu_count()}，大的先运行；县区内各阶段依次运行，全部笔记本共用一个已启动的内核），"
        "县区都结束后运行全市（并行数 = 核数，笔记本共用已启动的内核）；"
        f"备用渲染器；测量的提交 `{commit}`，{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}，"
        f"写出时系统负载 {os.getloadavg()[0]:.1f}。",
        "",
        "| 测量 | CPU 秒 | 墙钟秒 | 峰值内存（MiB） | 最后一行输出 |",
        "|---|---:|---:|---:|---|",
        f"| 冷启动 | {cold.cpu:.1f} | {cold.wall:.1f} | {cold.memory:.0f} | {cold.said.strip()} |",
        f"| 无变化时再运行一次 | {noop.cpu:.1f} | {noop.wall:.1f} | {noop.memory:.0f} | {noop.said.strip()} |",
        "",
        f"目标（issue 17）：镇（办）层级在几分钟内完成；无变化 < {GOAL_NOOP_SECONDS:.0f} 秒"
        f" {_mark(noop.wall < GOAL_NOOP_SECONDS)}；峰值内存 < {GOAL_MEMORY_MB / 1024:.0f} GiB"
        f" {_mark(max(cold.memory, noop.memory) < GOAL_MEMORY_MB)}。",
        "",
    ]
    if stages:
        section += [
            "冷启动时各类阶段的用时（运行器记录在各构建 stages.json 中的每个阶段的墙钟秒之和；"
            "同时运行的阶段各自完整计时，所以合计大于整次运行的墙钟时间）：",
            "",
            "| 阶段（`pipeline/stages/registry.py`） | 运行次数 | 秒（合计） | 每次（秒） |",
            "|---|---:|---:|---:|",
            *(
                f"| {name} | {count} | {seconds:.1f} | {seconds / count:.1f} |"
                for name, (count, seconds) in sorted(stages.items(), key=lambda kv: -kv[1][1])
            ),
            "",
        ]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    head = text.split(TOWNS_SECTION)[0].rstrip("\n")
    DOC.write_text((head + "\n\n" if head else "") + "\n".join(section), encoding="utf-8")


def run_towns_benchmark() -> int:
    with tempfile.TemporaryDirectory(prefix="ankang-bench-towns-") as temporary:
        print("(5) 全市镇（办）考核 冷启动与无变化……", flush=True)
        cold, noop = measure_towns(Path(temporary))
        stages = stage_times(Path(temporary))
        print(
            f"    冷启动 {cold.cpu:.1f} CPU秒 / {cold.wall:.1f} 秒，无变化 {noop.wall:.1f} 秒",
            flush=True,
        )
    write_towns_section(_commit(), cold, noop, stages)
    print(f"已写出 {DOC}（{TOWNS_SECTION}）")
    return 0


FORECAST_SECTION = "## 预测引擎 / Forecast engine"
GOAL_FORECAST_CPU = 60.0


def measure_forecast(folder: Path) -> Measurement:
    """``python -m pipeline forecast`` on the M3 yearly series the backtest uses, as far ahead as
    it holds out: the calibration's cuts and the forecasts of every series, in a fresh process."""
    from pipeline.tools.backtest import M3_FILE, M3_HOLDOUT

    command = [sys.executable, "-m", "pipeline", "forecast", str(M3_FILE)]
    return measure([*command, f"--horizon={M3_HOLDOUT}", f"--out={folder / 'forecast.csv'}"])


def write_forecast_section(commit: str, result: Measurement) -> None:
    """The forecast engine's section of docs/benchmark.md, in place (before section 5 when there
    is one, which its own writer keeps only what stands before); the rest is left as measured."""
    from pipeline.tools.backtest import M3_FILE, M3_HOLDOUT

    series = pd.read_csv(M3_FILE, usecols=["series_id"])["series_id"].nunique()
    ok = result.cpu < GOAL_FORECAST_CPU
    section = [
        FORECAST_SECTION,
        "",
        f"`python -m pipeline forecast`（`pipeline/forecast/series_file.py`）：{series}个 M3 年度序列（真实数据），"
        f"预测 {M3_HOLDOUT} 步，含区间校准（每个序列在最后 {M3_HOLDOUT} 个点各截断一次回测）；新进程计时（含导入）；"
        f"测量的提交 `{commit}`，{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}，"
        f"写出时系统负载 {os.getloadavg()[0]:.1f}。",
        "",
        "| 测量 | CPU 秒 | 墙钟秒 | 峰值内存（MiB） | 目标 |",
        "|---|---:|---:|---:|---|",
        f"| 预测引擎 | {result.cpu:.1f} | {result.wall:.1f} | {result.memory:.0f} | "
        f"< {GOAL_FORECAST_CPU:.0f} CPU 秒 {_mark(ok)} |",
        "",
        "",
    ]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if FORECAST_SECTION in text:
        head, rest = text.split(FORECAST_SECTION, 1)
        tail = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
    elif TOWNS_SECTION in text:
        head, tail = text.split(TOWNS_SECTION, 1)
        tail = TOWNS_SECTION + tail
    else:
        head, tail = text, ""
    head = head.rstrip("\n") + "\n\n" if head.strip() else ""
    DOC.write_text(head + "\n".join(section) + tail, encoding="utf-8")


def run_forecast_benchmark() -> bool:
    """Measure the forecast engine and write its section; True when the goal is missed."""
    with tempfile.TemporaryDirectory(prefix="ankang-bench-forecast-") as temporary:
        print("预测引擎（M3 年度序列）……", flush=True)
        result = measure_forecast(Path(temporary))
        print(f"    {result.cpu:.1f} CPU秒 / {result.wall:.1f} 秒", flush=True)
    write_forecast_section(_commit(), result)
    return result.cpu >= GOAL_FORECAST_CPU


def run_benchmarks(
    regions: tuple[int, ...] = (11, 50, 200), workers: tuple[int, ...] = (1, 2)
) -> int:
    """Measure, and rewrite docs/benchmark.md after every measurement (a long run stopped half-way
    still leaves what it measured); the whole-city town run last (section 5). Exit status 1 when
    a goal is missed."""
    from pipeline.report.publish import find_quarto

    commit = _commit()
    renderers = [("备用渲染器（pandoc + WeasyPrint）", False)]
    if find_quarto() is not None:
        renderers.append(("Quarto", True))
    main: list[tuple[str, Measurement, Measurement, Measurement, Measurement]] = []
    scaling: list[tuple[int, str, Measurement]] = []
    with tempfile.TemporaryDirectory(prefix="ankang-bench-") as temporary:
        tmp = Path(temporary)
        for k, (renderer, use_quarto) in enumerate(renderers):
            print(f"(1) make report 冷启动与无变化（{renderer}）……", flush=True)
            cold = run_measured(tmp / f"cold-{k}", RAW_DIR, workers=None, use_quarto=use_quarto)
            noop = run_measured(tmp / f"cold-{k}", RAW_DIR, workers=None, use_quarto=use_quarto)
            assert noop.said == "no-op", noop.said
            print(f"(2) 单进程下限（{renderer}）……", flush=True)
            limit = run_measured(
                tmp / f"limit-{k}", RAW_DIR, workers=1, use_quarto=use_quarto, in_process=True
            )
            print(f"(1b) 冷启动，每个笔记本一个新内核（{renderer}）……", flush=True)
            fresh = run_measured(
                tmp / f"fresh-{k}", RAW_DIR, workers=None, use_quarto=use_quarto,
                reuse_kernels=False,
            )  # fmt: skip
            main.append((renderer, cold, noop, limit, fresh))
            print(f"    冷启动 {cold.cpu:.1f} CPU秒 / {cold.wall:.1f} 秒，新内核 {fresh.cpu:.1f} / "
                  f"{fresh.wall:.1f}，下限 {limit.cpu:.1f} / {limit.wall:.1f}，"
                  f"无变化 {noop.wall:.2f} 秒", flush=True)  # fmt: skip
            missed = _write_doc(commit, main, scaling, regions, workers)
        for n in regions:
            raw, paths = synthetic_project(n, tmp / f"synthetic-{n}")
            env = os.environ | paths
            for w in (*workers, 0):  # 0: the one-process limit at this size
                label = f"{w} 个并行" if w else LIMIT_LABEL
                print(f"(4) {n} 个地区，{label}……", flush=True)
                result = run_measured(
                    tmp / f"run-{n}-{w}", raw, workers=w or 1, use_quarto=False,
                    in_process=not w, env=env,
                )  # fmt: skip
                scaling.append((n, label, result))
                print(f"    {result.cpu:.1f} CPU秒，{result.wall:.1f} 秒，"
                      f"峰值内存 {result.memory:.0f} MiB", flush=True)  # fmt: skip
                shutil.rmtree(tmp / f"run-{n}-{w}", ignore_errors=True)
                missed = _write_doc(commit, main, scaling, regions, workers)
    missed = run_forecast_benchmark() or missed
    run_towns_benchmark()
    print(f"已写出 {DOC}")
    return 1 if missed else 0


def linear_growth(
    scaling: list[tuple[int, str, Measurement]],
) -> list[tuple[tuple[int, int], float, float]]:
    """For the one-process limit at successive sizes: each step's CPU seconds per added region, and
    how many times the previous step's that is (1.0 for the first step)."""
    limits = sorted((n, m.cpu) for n, label, m in scaling if label == LIMIT_LABEL)
    steps = []
    for (a, cpu_a), (b, cpu_b) in zip(limits, limits[1:], strict=False):
        slope = (cpu_b - cpu_a) / (b - a)
        steps.append(((a, b), slope, slope / steps[-1][1] if steps else 1.0))
    return steps


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _write_doc(commit, main, scaling, regions, workers) -> bool:
    cores = os.cpu_count() or 1
    load = os.getloadavg()
    planned = len(regions) * (len(workers) + 1)
    rows = [
        "# 基准测试 / Benchmark",
        "",
        f"由 `make bench` 生成（`pipeline/tools/bench.py`），测量的提交 `{commit}`，"
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}；"
        f"{platform.processor() or platform.machine()}，{cores} 核，Python {platform.python_version()}；"
        f"写出时系统负载（1/5/15 分钟）{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        "（大于核数表示有其他进程在争用 CPU：墙钟时间会偏长，CPU 秒受影响较小）。",
        "",
        "CPU 秒是整个进程树（含内核）的用户态与内核态时间之和；峰值内存是进程树的合计。",
        "",
        "## 1–3. 一次完整运行与它的下限",
        "",
        "| 渲染器 | 测量 | CPU 秒 | 墙钟秒 | 峰值内存（MiB） | 目标 |",
        "|---|---|---:|---:|---:|---|",
    ]
    missed = []
    for renderer, cold, noop, limit, fresh in main:
        cpu_ratio, wall_ratio = cold.cpu / limit.cpu, cold.wall / limit.wall
        fresh_cpu, fresh_wall = fresh.cpu / limit.cpu, fresh.wall / limit.wall
        missed += [cpu_ratio > GOAL_RATIO, wall_ratio > GOAL_RATIO, noop.wall >= GOAL_NOOP_SECONDS]
        rows += [
            f"| {renderer} | (1) `make report YEAR={BENCH_YEAR}` 冷启动（并行数 = 核数 {cores}，笔记本共用已启动的内核） | {cold.cpu:.1f} | {cold.wall:.1f} | {cold.memory:.0f} | |",
            f"| {renderer} | (1) 无变化时再运行一次 | {noop.cpu:.2f} | {noop.wall:.2f} | | < {GOAL_NOOP_SECONDS:.0f} 秒 {_mark(noop.wall < GOAL_NOOP_SECONDS)} |",
            f"| {renderer} | (2) 下限：各阶段的函数在一个 Python 进程中依次运行 | {limit.cpu:.1f} | {limit.wall:.1f} | {limit.memory:.0f} | |",
            f"| {renderer} | (3) 比值 (1)/(2) | {cpu_ratio:.2f} | {wall_ratio:.2f} | | ≤ {GOAL_RATIO} {_mark(cpu_ratio <= GOAL_RATIO and wall_ratio <= GOAL_RATIO)} |",
            f"| {renderer} | (1b) 对照：冷启动，每个笔记本一个新内核（`FRESH_KERNELS=1`） | {fresh.cpu:.1f} | {fresh.wall:.1f} | {fresh.memory:.0f} | |",
            f"| {renderer} | (3b) 对照：比值 (1b)/(2) | {fresh_cpu:.2f} | {fresh_wall:.2f} | | |",
        ]  # fmt: skip
    if all(renderer != "Quarto" for renderer, *_ in main):
        rows.append("| Quarto | （未找到 quarto，未测量） | | | | |")
    rows += [
        "",
        "(2) 与 (1) 是同一个运行器（`run_year`）、同样的阶段：读取并校验 2016–2024 年的报表、校准（滚动起点回测）、"
        "汇总参数、十个县区的模拟与考核、全市汇总、写出全部处理结果、报告的一次渲染（与 (1) 相同的渲染器）；"
        "区别只是各阶段的函数直接调用（`execute_in_process`），没有笔记本和内核，一次一个阶段。"
        "两者都从新进程开始计时（含解释器启动与导入）。",
        "",
        "## 4. 地区数与并行数",
        "",
        f"{SYNTHETIC_LABEL}。十个样例县区的序列加噪声复制为 N−1 个县区（新代码、新名称，"
        "目标按原分解比例重分，户籍人口与边界也是合成的），长表 CSV 报表；同样的笔记本、同样的运行器（冷启动，笔记本共用已启动的内核），备用渲染器。",
        "",
        "| 地区数 | 运行方式 | CPU 秒 | 墙钟秒 | 每地区墙钟秒 | 峰值内存（MiB） |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n, label, m in scaling:
        rows.append(
            f"| {n} | {label} | {m.cpu:.1f} | {m.wall:.1f} | {m.wall / n:.2f} | {m.memory:.0f} |"
        )
        missed.append(m.memory > GOAL_MEMORY_MB)
        if n == 200 and label.startswith("2 "):
            missed.append(m.wall > GOAL_200_SECONDS)
    if len(scaling) < planned:
        rows.append(f"| （计划 {planned} 项，已完成 {len(scaling)} 项） | | | | | |")
    slopes = linear_growth(scaling)
    if slopes:
        ok = all(growth <= GOAL_LINEAR_GROWTH for _, _, growth in slopes[1:])
        missed.append(not ok)
        rows += [
            "",
            "单进程下限每多一个地区的 CPU 秒（相邻两个规模之差除以地区数之差）："
            + "；".join(f"{a}→{b} 个地区 {slope:.2f}" for (a, b), slope, _ in slopes)
            + (
                f"；后一段与前一段之比 {max(g for *_, g in slopes[1:]):.2f}"
                f"（线性：≤ {GOAL_LINEAR_GROWTH} {_mark(ok)}）"
                if len(slopes) > 1
                else ""
            )
            + "。",
        ]
    rows += [
        "",
        f"目标：比值 ≤ {GOAL_RATIO}（CPU 与墙钟，两种渲染器）；无变化 < {GOAL_NOOP_SECONDS:.0f} 秒；"
        f"单进程下限与地区数成线性；200 个地区 2 个并行 < {GOAL_200_SECONDS / 60:.0f} 分钟；"
        f"峰值内存 < {GOAL_MEMORY_MB / 1024:.0f} GiB。",
        "",
    ]
    DOC.write_text("\n".join(rows), encoding="utf-8")
    return any(missed)


if __name__ == "__main__":
    # Only the forecast engine's section (``python -m pipeline.tools.bench``): seconds, not an hour.
    sys.exit(1 if run_forecast_benchmark() else 0)
