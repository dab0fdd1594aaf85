"""``python -m pipeline towns`` (``make towns``): the whole-city town run (issue 15, item 6).

Each configured unit (config/units/<code>/unit.yaml: a county assessing its 镇(办)) is run as
``make report UNIT=<code>`` runs it, then the city's own run, so that the city report's town
summaries (pipeline/report/chapters/towns.py) read the units' fresh results. Every run is a process of its
own: a unit's configuration folder is read when ``pipeline`` is imported (``ANKANG_CONFIG_DIR``),
so units cannot share one interpreter. Each run is the runner's own (``python -m pipeline
report``: incremental, atomic), and reports what it did through a small JSON file
(:func:`write_summary`). A failed unit does not stop the others; the city runs last in any case,
with the results the units have published.

Where the time went (docs/benchmark.md, section 5): a fresh kernel and its imports for each of the
139 town notebooks, and one unit at a time while most of a unit's stages run one after another.
So the units run side by side, ``--jobs`` of them at a time (the largest first, so that no large
one is left running alone at the end), each with its stages one at a time and all its notebooks
(the towns' and the others) in one started kernel (``--reuse-kernels``,
pipeline/runner/kernels.py); the city, alone, with ``--jobs`` stages at a time. Each unit writes
only under its own folders, so the results do not depend on the order; the summary lists the
units in the configuration's order.

The no-op (nothing changed since the last run) starts no process (issue 17: under 2 s). Eleven
processes that each import the pipeline, build their configuration, plan and hash only to say
没有变化 cost 15 CPU-s; so each run is named by its command line (:func:`stamped`), and a run
that published or found nothing changed leaves a stamp of what it depended on
(pipeline/runner/stamp.py). Before starting a unit, this process checks, by file hashing alone,
that its configuration folder is what :func:`pipeline.config.units.materialise` would make now
(:func:`pipeline.config.units.is_materialised`) and that its stamp is fresh — the same command,
inputs, published build and published files — and reports it 没有变化 without starting it
(:func:`unchanged`); the city is checked the same way after the units, whose fresh results are
among its inputs. Anything else, and ``--force``, starts the real process, which does its fine,
stage-by-stage check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.config.units import (
    CONFIG_ENV,
    configured_units,
    is_materialised,
    materialise,
    output_roots,
    unit_command,
    unit_paths,
)
from pipeline.runner import stamp
from pipeline.runner.builds import Layout

Status = Literal["published", "unchanged", "failed"]
STATUS_WORDS = {"published": "已发布", "unchanged": "没有变化", "failed": "失败"}


@dataclass(frozen=True)
class Outcome:
    """One run of the whole-city town run."""

    code: str
    name: str
    status: Status
    ran: int  # stages run
    reused: int  # stages whose last result was reused
    seconds: float
    message: str = ""  # why it failed (the run's last words on stderr)


def write_summary(result, path: Path) -> None:
    """What a ``python -m pipeline report`` run did (its ``RunResult``), for :func:`run_one`."""
    summary = {
        "changed": result.changed,
        "ran": len(result.ran),
        "reused": len(result.reused),
        "seconds": result.seconds,
    }
    path.write_text(json.dumps(summary), encoding="utf-8")


def city_run(year: int, options: list[str]) -> tuple[list[str], dict[str, str]]:
    """The city's own ``make report``, on the city's configuration, with its roots where the
    units' are (:func:`pipeline.config.units.output_roots`)."""
    processed, reports, builds = output_roots()
    command = [
        sys.executable, "-m", "pipeline", "report", f"--year={year}",
        f"--processed-root={processed}", f"--reports-root={reports}", f"--builds-root={builds}",
        *options,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    return command, env


def run_one(code: str, name: str, command: list[str], env: dict[str, str]) -> Outcome:
    """Run one ``python -m pipeline report`` and say what it did."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ankang-towns-") as folder:
        summary = Path(folder) / "summary.json"
        done = subprocess.run(
            [*command, f"--summary={summary}"], env=env, capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0 or not summary.exists():
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            why = "\n".join(lines[-6:]) or f"退出码 {done.returncode}"
            return Outcome(code, name, "failed", 0, 0, seconds, why)
        got = json.loads(summary.read_text(encoding="utf-8"))
    status: Status = "published" if got["changed"] else "unchanged"
    return Outcome(code, name, status, got["ran"], got["reused"], seconds)


def run_towns(
    year: int,
    *,
    jobs: int | None = None,
    force: bool = False,
    quarto: bool | None = None,
    progress: bool = True,
) -> list[Outcome]:
    """Every configured unit, ``jobs`` at a time (default: the cores), then the city; one
    :class:`Outcome` each, the units in the configuration's order, the city last. A run whose
    stamp says it would change nothing is not started (:func:`unchanged`). With ``progress``, a
    line per run as it ends."""
    from pipeline.config.hierarchy import towns_of
    from pipeline.config.regions import by_code, city

    workers = jobs or os.cpu_count() or 1
    options = ["--quiet", "--reuse-kernels", *(["--force"] if force else [])]
    options += [] if quarto is None else ["--quarto" if quarto else "--no-quarto"]
    codes = configured_units()

    def said(outcome: Outcome) -> Outcome:
        if progress:
            print(summary_line(outcome), flush=True)
        return outcome

    done: dict[str, Outcome] = {}
    runs = {}
    for code in codes:
        paths = unit_paths(code)
        command, env = unit_command(code, year, None, [*options, "--jobs=1"])
        layout = Layout(year, paths.processed, paths.reports, paths.builds)
        fresh = not force and is_materialised(code, paths.config)
        skipped = unchanged(code, by_code(code).name, layout, command, env) if fresh else None
        if skipped:
            done[code] = said(skipped)
        else:  # made here, one after another (each writes its own configuration folder)
            materialise(code, paths.config)
            runs[code] = stamped(command, env)
    largest_first = sorted(runs, key=lambda code: -len(towns_of(code)))

    def one(code: str) -> Outcome:
        return said(run_one(code, by_code(code).name, *runs[code]))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {code: pool.submit(one, code) for code in largest_first}
        outcomes = [done[code] if code in done else futures[code].result() for code in codes]
    command, env = city_run(year, [*options, f"--jobs={workers}"])
    skipped = (
        None
        if force
        else unchanged(city().code, city().name, Layout(year, *output_roots()), command, env)
    )
    outcomes.append(said(skipped or run_one(city().code, city().name, *stamped(command, env))))
    return outcomes


def stamped(command: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command, told to write its stamp under its key (pipeline/runner/stamp.py)."""
    return [*command, f"{stamp.STAMP_FLAG}={stamp.command_key(command, env)}"], env


def unchanged(
    code: str, name: str, layout: Layout, command: list[str], env: dict[str, str]
) -> Outcome | None:
    """The run's outcome without starting it — 没有变化 — when its stamp says it would change
    nothing (:func:`pipeline.runner.stamp.fresh`); None: it must run."""
    started = time.perf_counter()
    if not stamp.fresh(layout, stamp.command_key(command, env)):
        return None
    return Outcome(code, name, "unchanged", 0, 0, time.perf_counter() - started)


def summary_line(outcome: Outcome) -> str:
    stages = (
        f"运行 {outcome.ran} 个阶段，沿用 {outcome.reused} 个"
        if outcome.status != "failed"
        else outcome.message.replace("\n", "\n      ")
    )
    return (
        f"  {outcome.name}（{outcome.code}） {STATUS_WORDS[outcome.status]}  "
        f"{outcome.seconds:.0f} 秒  {stages}"
    )


def summary_lines(year: int, outcomes: list[Outcome], seconds: float) -> list[str]:
    """The short summary printed at the end: one line per run, then the totals (``seconds``: the
    whole run, by the clock; the units ran side by side, so their own times add up to more)."""
    from pipeline.config.hierarchy import towns_of

    failed = [o for o in outcomes if o.status == "failed"]
    units = outcomes[:-1]
    towns = sum(len(towns_of(o.code)) for o in units)
    lines = [
        f"{year}年全市镇（办）考核：{len(units)}个县区考核所辖{towns}个镇（办），然后全市",
        *map(summary_line, outcomes),
    ]
    lines.append(
        f"用时 {seconds:.0f} 秒（各次运行合计 {sum(o.seconds for o in outcomes):.0f} 秒）；"
        + (
            f"{len(failed)} 次运行失败：" + "、".join(o.name for o in failed)
            if failed
            else "全部成功"
        )
    )
    return lines
