"""``make bench``: the run's speed and memory, written to docs/benchmark.md (never a timed test).

1. ``make report`` cold (processed, reports and builds empty; .venv present) and a no-op rebuild,
   each a fresh process as the analyst runs it;
2. the limit: the same stage functions in one plain Python process, no notebooks or kernels
   (``pipeline.stages.registry.run_in_process``: intake and validation, calibration, pooled parameters, the
   ten county simulations and assessments, the city, and one rendering of the report, HTML and
   PDF through the same renderer as (1));
3. the ratio (1)/(2);
4. wall time and peak memory (all processes of the run together) for synthetic sets of 11, 50
   and 200 regions, workers 1 and 2: the sample counties copied with noise under new codes, a
   generated regions.yaml and allocations, long-format submissions; the same notebooks.

Every measurement runs in a temporary folder: the repository's data and reports are not touched.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
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
DOC = PROJECT_ROOT / "docs" / "benchmark.md"

RUN_SCRIPT = """
import sys
from pathlib import Path
from pipeline.runner.run import run_year
root = Path(sys.argv[1])
result = run_year(
    {year}, Path(sys.argv[2]), workers={workers}, processed_root=root / "processed",
    reports_root=root / "reports", builds_root=root / "builds", progress=False,
)
print("changed" if result.changed else "no-op")
"""
IN_PROCESS_SCRIPT = """
import sys
from pathlib import Path
from pipeline.stages.registry import run_in_process
root = Path(sys.argv[1])
run_in_process(Path(sys.argv[2]), root / "processed", root / "report", {year})
"""


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


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory of the process tree (MiB), stdout."""
    import psutil

    started = time.perf_counter()
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
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} 失败：\n{err[-3000:]}")
    return seconds, peak[0] / 2**20, out.strip()


def _python(script: str, *args: str, env: dict | None = None) -> tuple[float, float, str]:
    return measure([sys.executable, "-c", script, *args], env=env)


# ----------------------------------------------------------------------------------- synthetic


def synthetic_project(n_regions: int, folder: Path) -> tuple[Path, Path]:
    """A config folder and a raw folder for the city and ``n_regions - 1`` synthetic counties."""
    from pipeline.config.indicators import indicators
    from pipeline.config.regions import city, counties
    from pipeline.intake.collect import intake

    rng = np.random.default_rng(n_regions)
    real = counties()
    n_counties = n_regions - 1
    base = [real[k % len(real)] for k in range(n_counties)]
    codes = [f"{700001 + k}" for k in range(n_counties)]
    names = [f"合成{k + 1:03d}县" for k in range(n_counties)]
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
    for code, name, source in zip(codes, names, base, strict=True):
        del code
        factor = rng.uniform(0.8, 1.2)
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
    return config, raw


# ----------------------------------------------------------------------------------- the bench


def run_benchmarks(
    regions: tuple[int, ...] = (11, 50, 200), workers: tuple[int, ...] = (1, 2)
) -> int:
    """Measure, and rewrite docs/benchmark.md after every measurement (a long run stopped half-way
    still leaves what it measured). Exit status 1 when a goal is missed."""
    with tempfile.TemporaryDirectory(prefix="ankang-bench-") as temporary:
        tmp = Path(temporary)
        script = RUN_SCRIPT.format(year=BENCH_YEAR, workers="None")
        print("(1) make report 冷启动……", flush=True)
        cold, cold_mem, _ = _python(script, str(tmp / "cold"), str(RAW_DIR))
        noop, _, said = _python(script, str(tmp / "cold"), str(RAW_DIR))
        assert said == "no-op", said
        print("(2) 单进程下限……", flush=True)
        limit, limit_mem, _ = _python(
            IN_PROCESS_SCRIPT.format(year=BENCH_YEAR), str(tmp / "limit"), str(RAW_DIR)
        )
        main = (cold, cold_mem, noop, limit, limit_mem)
        print(
            f"    冷启动 {cold:.1f} s，无变化 {noop:.2f} s，单进程 {limit:.1f} s，比值 {cold / limit:.2f}"
        )
        scaling: list[tuple[int, int, float, float]] = []
        missed = _write_doc(main, scaling, regions, workers)
        for n in regions:
            config, raw = synthetic_project(n, tmp / f"synthetic-{n}")
            env = os.environ | {"ANKANG_CONFIG_DIR": str(config)}
            for w in workers:
                print(f"(4) {n} 个地区，{w} 个并行……", flush=True)
                seconds, memory, _ = _python(
                    RUN_SCRIPT.format(year=BENCH_YEAR, workers=w),
                    str(tmp / f"run-{n}-{w}"), str(raw), env=env,
                )  # fmt: skip
                scaling.append((n, w, seconds, memory))
                print(f"    {seconds:.1f} s，峰值内存 {memory:.0f} MiB", flush=True)
                shutil.rmtree(tmp / f"run-{n}-{w}", ignore_errors=True)
                missed = _write_doc(main, scaling, regions, workers)
    print(f"已写出 {DOC}")
    return 1 if missed else 0


def _write_doc(main, scaling, regions, workers) -> bool:
    cold, cold_mem, noop, limit, limit_mem = main
    ratio = cold / limit
    cores = os.cpu_count() or 1
    load = os.getloadavg()
    planned = len(regions) * len(workers)
    rows = [
        "# 基准测试 / Benchmark",
        "",
        f"由 `make bench` 生成（`pipeline/tools/bench.py`），{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}；"
        f"{platform.processor() or platform.machine()}，{cores} 核，Python {platform.python_version()}；"
        f"写出时系统负载（1/5/15 分钟）{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        "（大于核数表示有其他进程在争用 CPU，计时会偏长）。",
        "",
        "## 1–3. 一次完整运行与它的下限",
        "",
        "| 测量 | 秒 | 峰值内存（MiB，全部进程合计） | 目标 |",
        "|---|---:|---:|---|",
        f"| (1) `make report YEAR={BENCH_YEAR}` 冷启动（并行数 = 核数 {cores}） | {cold:.1f} | {cold_mem:.0f} | |",
        f"| (1) 无变化时再运行一次 | {noop:.2f} | | < {GOAL_NOOP_SECONDS:.0f} 秒 {'✓' if noop < GOAL_NOOP_SECONDS else '✗'} |",
        f"| (2) 下限：同样的计算在一个 Python 进程中（无笔记本、无内核） | {limit:.1f} | {limit_mem:.0f} | |",
        f"| (3) 比值 (1)/(2) | {ratio:.2f} | | ≤ {GOAL_RATIO} {'✓' if ratio <= GOAL_RATIO else '✗'} |",
        "",
        "(2) 包括：读取并校验 2016–2024 年的 9 个报表、校准（滚动起点回测）、汇总参数、十个县区的模拟与考核、"
        "全市汇总、写出全部处理结果，以及报告的一次渲染（Markdown、图、HTML 和 WeasyPrint PDF，与 (1) 相同的渲染器）。"
        "不包括：笔记本、内核启动、输入指纹和原子发布。(1) 与 (2) 都从新进程开始计时（含解释器启动与导入）。",
        "",
        "## 4. 地区数与并行数",
        "",
        "合成数据：十个样例县区的序列加噪声复制为 N−1 个县区（新代码、新名称，目标按原分解比例重分），"
        "长表 CSV 报表；同样的笔记本、同样的运行器（冷启动）。",
        "",
        "| 地区数 | 并行数 | 秒 | 每地区秒数 | 峰值内存（MiB） |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, w, seconds, memory in scaling:
        rows.append(f"| {n} | {w} | {seconds:.1f} | {seconds / n:.2f} | {memory:.0f} |")
    if len(scaling) < planned:
        rows.append(f"| （计划 {planned} 项，已完成 {len(scaling)} 项） | | | | |")
    missed = [ratio > GOAL_RATIO, noop >= GOAL_NOOP_SECONDS]
    for n, _, seconds, memory in scaling:
        missed.append(memory > GOAL_MEMORY_MB)
        if n == 200:
            missed.append(seconds > GOAL_200_SECONDS)
    rows += [
        "",
        f"目标：与地区数成线性；200 个地区 < {GOAL_200_SECONDS / 60:.0f} 分钟；峰值内存 < {GOAL_MEMORY_MB / 1024:.0f} GiB。",
        "",
    ]
    DOC.write_text("\n".join(rows), encoding="utf-8")
    return any(missed)
