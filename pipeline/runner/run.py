"""The runner of ``make report``: the year's stages planned from their declarations
(``pipeline/stages/registry.py``), run in parallel where independent, skipped when their inputs are
unchanged, published atomically — and what the next run would do (``python -m pipeline stages``).

The parts: :mod:`.fingerprint` (what a stage depends on, stages.json), :mod:`.builds` (build
folders, the pointer, the lock, output hashes, reuse) and :mod:`.execute` (notebooks, in-process
functions, threads or Dask). docs/running.md explains the layout for analysts.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import PROCESSED_DIR, PROJECT_ROOT, RAW_DIR, REPORTS_DIR
from pipeline.annual.review import REVIEW_DIR
from pipeline.runner import stamp
from pipeline.runner.builds import (
    Layout,
    candidates,
    clean_leftovers,
    ensure_published_links,
    mark_failed,
    new_build,
    publish,
    verify_published,
    year_lock,
)
from pipeline.runner.execute import StageRunner, execute_notebook, execute_stages
from pipeline.runner.fingerprint import MANIFEST, Stage, code_sha, compare_recorded
from pipeline.runner.kernels import KernelPool
from pipeline.stages import registry
from pipeline.store.atomic import write_json_atomically


class RunFailed(RuntimeError):
    """One or more stages failed; the message lists every failure and its reason."""


@dataclass(frozen=True)
class RunOptions:
    """One ``make report`` run, built once (by ``python -m pipeline report``, a test, the benchmark)
    and passed down: what to build, from where, into where, and how."""

    year: int
    raw_dir: Path = RAW_DIR
    # A county's assessment of its towns runs in its own process on the unit's configuration
    # (pipeline.config.units.unit_run): the configuration folder is read when pipeline is imported.
    unit: str | None = None
    workers: int | None = (
        None  # stages in flight (--jobs); None: the cores, or the cluster's threads
    )
    use_quarto: bool | None = (
        None  # the renderer: Quarto, the fallback, or None (Quarto if on PATH)
    )
    force: bool = False  # rerun every stage, reuse nothing
    accept_changes: bool = False  # after 审定, make the documents from changed inputs anyway
    review_dir: Path = REVIEW_DIR
    scheduler: str | None = None  # a Dask scheduler's address; None: threads on this machine
    runner: StageRunner = execute_notebook  # how one stage runs (a notebook, or its function)
    # The stage notebooks in one started kernel per worker (pipeline/runner/kernels.py), reset
    # between them: None (the default) where it applies — papermill's notebooks on this machine —
    # and fresh kernels otherwise (a Dask worker, the in-process runner); True insists (an error
    # where it cannot apply); False, a fresh kernel for every notebook (--no-reuse-kernels).
    reuse_kernels: bool | None = None
    progress: bool = True
    processed_root: Path = PROCESSED_DIR
    reports_root: Path = REPORTS_DIR
    builds_root: Path | None = None  # None: data/builds beside processed_root
    # The town runner's name for this run (--stamp): with it, a run that publishes or finds
    # nothing changed writes its stamp (pipeline/runner/stamp.py), checked before the next.
    stamp_key: str | None = None

    def layout(self) -> Layout:
        return Layout(
            self.year, self.processed_root, self.reports_root,
            self.builds_root or self.processed_root.parent / "builds",
        )  # fmt: skip


# --------------------------------------------------------------------------------------------
# the stages of a year


def plan_stages(run: RunOptions, build: Path) -> list[Stage]:
    """The year's stages, one per declaration of ``pipeline/stages/registry.py`` (one per county for
    a county stage), with their parameters, dependencies, reads and writes as build paths."""
    # Resolved: the extra inputs' keys name their paths, which must not depend on how the folder
    # was spelled (--raw data/raw/units/610902 reran four stages of a published build).
    year, raw_dir, review_dir = run.year, run.raw_dir.resolve(), run.review_dir.resolve()
    options = {
        "year": year, "raw_dir": str(raw_dir), "processed_dir": str(build / "processed"),
        "report_dir": str(build / "report"), "use_quarto": run.use_quarto,
        "review_dir": str(review_dir), "accept_changes": run.accept_changes,
    }  # fmt: skip
    stages = []
    for spec in registry.STAGES:
        deps = tuple(u.stage_id(code) for u in registry.upstream(spec) for code in u.instances())
        for code in spec.instances():
            parameters = {name: options[name] for name in spec.parameters if name != "region_code"}
            if code:
                parameters["region_code"] = code
            stages.append(
                Stage(
                    spec.stage_id(code),
                    spec.label_for(year, code),
                    spec.notebook,
                    parameters,
                    deps=deps,
                    outputs=tuple(
                        p for w in spec.writes for p in registry.dataset_paths(w, year, code)
                    ),
                    static_inputs=tuple(
                        str(path)
                        for kind in spec.extra_inputs
                        for path in registry.extra_input_paths(
                            kind, year, raw_dir, review_dir, PROJECT_ROOT
                        )
                    ),
                    reads=tuple(
                        p for r in spec.reads for p in registry.dataset_paths(r, year, code)
                    ),
                )  # fmt: skip
            )
    return stages


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class RunResult:
    folder: Path
    changed: bool
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _nothing_changed(layout: Layout, stages_for: Callable[[Path], list[Stage]], code: str) -> bool:
    """Every stage's key equals the one recorded in the published build (stops at the first that
    does not, so that a no-op run hashes no more than it must)."""
    current = layout.current_build()
    if current is None:
        return False
    return not any(row.differs for row in compare_recorded(stages_for(current), current, code))


@dataclass(frozen=True)
class Outlook:
    """What the next ``make report`` would do with one stage, and why."""

    stage: Stage
    reruns: bool
    reason: str


def outlook(run: RunOptions) -> list[Outlook]:
    """Each stage of the run's year against the published build: reused, or rerun and why (the
    parts of its inputs that changed, or the upstream stage that reruns). Like ``tar_outdated()``;
    nothing is run or written."""
    layout = run.layout()
    current = layout.current_build()
    stages = plan_stages(run, current or layout.year_builds / "next")
    if current is None:
        return [Outlook(s, True, "尚无已发布的构建") for s in stages]
    altered = set(verify_published(layout))
    result: list[Outlook] = []
    rerun: set[str] = set()
    for row in compare_recorded(stages, current, code_sha()):
        stage = row.stage
        if row.outputs is None:
            why = "上次构建中没有这个阶段的结果"
        elif any(str(current / name) in altered for name in row.outputs):
            why = "已发布的输出被改动（与记录的哈希不符）"
        elif row.changes:
            why = "输入有变化：" + "、".join(row.changes)
        elif rerun & set(stage.deps):
            why = (
                "上游阶段将重跑："
                + "、".join(sorted(rerun & set(stage.deps))[:3])
                + "（其输出变了才会重跑）"
            )
        else:
            why = ""
        if why:
            rerun.add(stage.id)
        result.append(Outlook(stage, bool(why), why or "未变化，沿用"))
    return result


def run_report(run: RunOptions) -> Path:
    """Build and publish the run's year; return the published report folder (``reports/<year>``)."""
    return run_year(run).folder


def run_year(run: RunOptions) -> RunResult:
    """Build the run's year — every stage whose inputs changed, the others reused — and publish it
    atomically; a run that changed nothing returns at once (``RunResult.changed`` False)."""
    from pipeline.config.indicators import plan_for_year

    if run.unit is not None:
        raise ValueError(
            f"单位 {run.unit} 的考核须在它自己的配置下运行：python -m pipeline report --unit {run.unit}"
            "（配置文件夹在导入 pipeline 时读取，本进程用的是全市的配置）"
        )
    if run.reuse_kernels and (run.runner is not execute_notebook or run.scheduler):
        raise ValueError(
            "--reuse-kernels 只用于在本机用笔记本运行（不能与 --scheduler 或其他阶段运行方式同用）"
        )
    year, raw_dir = run.year, run.raw_dir
    started = time.perf_counter()
    plan_for_year(year)  # fail early, with the configured plans named, for a year outside them
    if not (raw_dir / str(year)).is_dir():
        raise FileNotFoundError(f"没有 {year} 年的报表文件夹：{raw_dir / str(year)}")
    layout = run.layout()
    code = code_sha()
    with year_lock(layout):
        clean_leftovers(layout)
        ensure_published_links(layout)
        altered = verify_published(layout)
        if altered:  # said, then rebuilt: the altered files are never reused
            print(
                f"已发布的 {year} 年文件与生成时记录的哈希不符（被修改、截断或删除），重新生成：\n  "
                + "\n  ".join(altered),
                file=sys.stderr,
            )
        taken = (  # before any stage reads its inputs (see stamp.py)
            stamp.take(run.stamp_key, plan_stages(run, layout.current), run.raw_dir, run.review_dir)
            if run.stamp_key
            else None
        )
        if (
            not run.force
            and not altered
            and _nothing_changed(layout, lambda build: plan_stages(run, build), code)
        ):
            if taken:
                stamp.write(layout, taken)
            return RunResult(
                run.reports_root / str(year), False, seconds=time.perf_counter() - started
            )
        stamp.discard(layout)
        run_id, build = new_build(layout)
        pooled = run.reuse_kernels is not False and run.runner is execute_notebook
        runner = KernelPool() if pooled and not run.scheduler else run.runner
        try:
            executed = execute_stages(
                plan_stages(run, build.resolve()),
                build,
                code,
                [] if run.force else candidates(layout),
                run.workers,
                run.scheduler,
                runner,
                run.progress,
            )
        finally:
            if isinstance(runner, KernelPool):
                runner.close()
        manifest = {"year": year, "run_id": run_id, "code": code, "stages": executed.records}
        write_json_atomically(manifest, build / MANIFEST)
        if executed.failures or executed.skipped:
            mark_failed(build)
            lines = [f.line() for f in executed.failures]
            if executed.skipped:
                lines.append(
                    "  未运行（所依赖的阶段失败）：" + "、".join(s.label for s in executed.skipped)
                )
            raise RunFailed(
                f"{len(executed.failures)} 个阶段失败，已发布的 {year} 年报告与数据未改动：\n"
                + "\n".join(lines)
            )
        publish(layout, build, run_id)
        if taken:
            stamp.write(layout, taken)
    return RunResult(
        run.reports_root / str(year),
        True,
        executed.ran,
        executed.reused,
        time.perf_counter() - started,
    )
