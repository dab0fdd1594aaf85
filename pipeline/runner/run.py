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

from pipeline import PROCESSED_DIR, PROJECT_ROOT, REPORTS_DIR
from pipeline.annual.review import REVIEW_DIR
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
from pipeline.stages import registry
from pipeline.store.atomic import write_json_atomically


class RunFailed(RuntimeError):
    """One or more stages failed; the message lists every failure and its reason."""


# --------------------------------------------------------------------------------------------
# the stages of a year


def plan_stages(
    year: int, raw_dir: Path, build: Path, use_quarto: bool | None, review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False,
) -> list[Stage]:  # fmt: skip
    """The year's stages, one per declaration of ``pipeline/stages/registry.py`` (one per county for
    a county stage), with their parameters, dependencies, reads and writes as build paths."""
    options = {
        "year": year, "raw_dir": str(raw_dir.resolve()), "processed_dir": str(build / "processed"),
        "report_dir": str(build / "report"), "use_quarto": use_quarto,
        "review_dir": str(review_dir.resolve()), "accept_changes": accept_changes,
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


def outlook(
    year: int, raw_dir: Path, processed_root: Path = PROCESSED_DIR,
    reports_root: Path = REPORTS_DIR, builds_root: Path | None = None,
    use_quarto: bool | None = None, review_dir: Path = REVIEW_DIR, accept_changes: bool = False,
) -> list[Outlook]:  # fmt: skip
    """Each stage of ``year`` against the published build: reused, or rerun and why (the parts of
    its inputs that changed, or the upstream stage that reruns). Like ``tar_outdated()``; nothing
    is run or written."""
    layout = Layout(
        year, processed_root, reports_root, builds_root or processed_root.parent / "builds"
    )
    current = layout.current_build()
    stages = plan_stages(
        year, raw_dir, current or layout.year_builds / "next", use_quarto, review_dir,
        accept_changes,
    )  # fmt: skip
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


def run_report(
    year: int,
    raw_dir: Path,
    workers: int | None = None,
    use_quarto: bool | None = None,
    processed_root: Path = PROCESSED_DIR,
    reports_root: Path = REPORTS_DIR,
    *,
    builds_root: Path | None = None,
    force: bool = False,
    scheduler: str | None = None,
    runner: StageRunner = execute_notebook,
    progress: bool = True,
    review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False,
) -> Path:
    """Build and publish ``year``; return the published report folder (``reports/<year>``)."""
    return run_year(
        year, raw_dir, workers, use_quarto, processed_root, reports_root,
        builds_root=builds_root, force=force, scheduler=scheduler, runner=runner, progress=progress,
        review_dir=review_dir, accept_changes=accept_changes,
    ).folder  # fmt: skip


def run_year(
    year: int,
    raw_dir: Path,
    workers: int | None = None,
    use_quarto: bool | None = None,
    processed_root: Path = PROCESSED_DIR,
    reports_root: Path = REPORTS_DIR,
    *,
    builds_root: Path | None = None,
    force: bool = False,
    scheduler: str | None = None,
    runner: StageRunner = execute_notebook,
    progress: bool = True,
    review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False,
) -> RunResult:
    from pipeline.config.indicators import plan_for_year

    started = time.perf_counter()
    plan_for_year(year)  # fail early, with the configured plans named, for a year outside them
    if not (raw_dir / str(year)).is_dir():
        raise FileNotFoundError(f"没有 {year} 年的报表文件夹：{raw_dir / str(year)}")
    layout = Layout(
        year, processed_root, reports_root, builds_root or processed_root.parent / "builds"
    )
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
        if (
            not force
            and not altered
            and _nothing_changed(
                layout,
                lambda build: plan_stages(
                    year, raw_dir, build, use_quarto, review_dir, accept_changes
                ),
                code,
            )
        ):
            return RunResult(reports_root / str(year), False, seconds=time.perf_counter() - started)
        run_id, build = new_build(layout)
        stages = plan_stages(year, raw_dir, build.resolve(), use_quarto, review_dir, accept_changes)
        executed = execute_stages(
            stages,
            build,
            code,
            [] if force else candidates(layout),
            workers,
            scheduler,
            runner,
            progress,
        )
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
    return RunResult(
        reports_root / str(year), True, executed.ran, executed.reused, time.perf_counter() - started
    )
