"""Running the planned stages: each one as a papermill notebook (or its function, in process), in
parallel where independent — on threads here or on a Dask cluster — an unchanged stage's outputs
reused from an earlier build, every stage's record for stages.json, each failure with its reason."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import NOTEBOOKS_DIR, PROJECT_ROOT
from pipeline.runner.builds import missing_outputs, output_files, reusable, reuse
from pipeline.runner.fingerprint import Stage, key_of, stage_inputs, stage_record
from pipeline.runner.shipping import pack, run_shipped, unpack
from pipeline.stages import registry

# How one stage is run: a notebook by papermill, or its function in this process.
StageRunner = Callable[[Stage, Path], None]


class MissingOutputs(RuntimeError):
    """A stage finished without an error but did not write everything it declares (a worker
    that wrote somewhere else, a notebook edited to skip a step): nothing is published."""


@dataclass
class StageFailure:
    stage: Stage
    reason: str
    cell: str = ""
    notebook: Path | None = None

    def line(self) -> str:
        where = f"{self.cell}，" if self.cell else ""
        record = f"\n      执行记录：{self.notebook}" if self.notebook else ""
        reason = self.reason.replace("\n", "\n      ")
        return f"  - {self.stage.label}（{self.stage.notebook}）：{where}{reason}{record}"


@dataclass
class Executed:
    """What became of each stage of a run."""

    records: dict[str, dict] = field(default_factory=dict)  # stages.json's, by stage id
    failures: list[StageFailure] = field(default_factory=list)
    skipped: list[Stage] = field(default_factory=list)  # not run: a stage they depend on failed
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def execute_notebook(stage: Stage, build: Path) -> None:
    import papermill

    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / stage.notebook),
        str(build / stage.notebook_out()),
        parameters=stage.parameters,
        cwd=str(PROJECT_ROOT),
        kernel_name="python3",
        progress_bar=False,
        # The kernel's own start-up warnings are noise in the analyst's terminal; errors in the
        # notebook still reach us through papermill's exception.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


def execute_in_process(stage: Stage, build: Path) -> None:
    """The stage's function called directly (no notebook): for tests and quick checks."""
    registry.call(registry.by_name(stage.spec_name), stage.parameters)


def _failure(stage: Stage, build: Path, error: BaseException) -> StageFailure:
    notebook = build / stage.notebook_out()
    notebook = notebook if notebook.exists() else None
    try:
        from papermill import PapermillExecutionError
    except ImportError:  # pragma: no cover
        PapermillExecutionError = ()  # noqa: N806
    if isinstance(error, PapermillExecutionError):
        first = next(
            (
                line
                for line in error.source.splitlines()
                if line.strip() and not line.startswith("#")
            ),
            "",
        )
        cell = f"第{error.exec_count}格（{first.strip()[:60]}）"
        return StageFailure(stage, f"{error.ename}: {error.evalue}", cell, notebook)
    return StageFailure(stage, f"{type(error).__name__}: {error}", "", notebook)


def _executor(
    workers: int | None, scheduler: str | None
) -> tuple[Executor, Callable[[], None], int]:
    """The executor, how to close it, and how many stages to keep in flight (by default the
    cores here, or the threads of every worker of the cluster)."""
    if scheduler is None:
        workers = workers or os.cpu_count() or 1
        pool = ThreadPoolExecutor(max_workers=workers)
        return pool, lambda: pool.shutdown(wait=True), workers
    try:
        from distributed import Client
    except ImportError as error:
        raise RuntimeError(
            "--scheduler 需要 dask.distributed：pip install 'distributed'（见 docs/running.md）"
        ) from error
    client = Client(scheduler)
    workers = workers or sum(client.nthreads().values()) or 1
    return client.get_executor(pure=False), client.close, workers


def _running_text(running: dict[Future, tuple[Stage, str, float]]) -> str:
    return f"运行中：{'、'.join(s.label for s, _, _ in running.values())}"[:80]


def execute_stages(
    stages: list[Stage],
    build: Path,
    code: str,
    candidates: list[Path],
    workers: int | None,
    scheduler: str | None,
    runner: StageRunner,
    progress: bool,
) -> Executed:
    """Run ``stages`` into ``build`` in dependency order, reusing a stage's outputs from one of
    ``candidates`` when its key is the same; a stage whose upstream failed is skipped."""
    from tqdm import tqdm

    by_id = {s.id: s for s in stages}
    waiting = dict(by_id)
    outputs: dict[str, dict[str, str]] = {}
    inputs: dict[str, dict[str, str]] = {}  # per stage: its input parts (recorded, for `stages`)
    result = Executed()
    records, failures = result.records, result.failures
    running: dict[Future, tuple[Stage, str, float]] = {}
    executor, close, workers = _executor(workers, scheduler)
    bar = tqdm(total=len(stages), unit="阶段", disable=not progress, dynamic_ncols=True)
    try:
        while waiting or running:
            for stage in list(waiting.values()):
                if len(running) >= workers:
                    break
                if any(
                    d in waiting or d in {s.id for s, _, _ in running.values()} for d in stage.deps
                ):
                    continue
                del waiting[stage.id]
                if any(d not in outputs for d in stage.deps):
                    result.skipped.append(stage)
                    records[stage.id] = {"status": "skipped"}
                    bar.update(1)
                    continue
                inputs[stage.id] = stage_inputs(stage, code, outputs)
                key = key_of(stage, inputs[stage.id])
                found = reusable(stage, key, candidates)
                if found:
                    reuse(stage, *found, build)
                    outputs[stage.id] = found[1]["outputs"]
                    records[stage.id] = stage_record(
                        key, "reused", inputs[stage.id], outputs=outputs[stage.id], seconds=0
                    )
                    result.reused.append(stage.id)
                    bar.set_postfix_str(f"未变化，沿用：{stage.label}")
                    bar.update(1)
                    continue
                if scheduler is None:
                    future = executor.submit(runner, stage, build)
                else:  # no shared disk: the inputs go with the task, the outputs come back
                    future = executor.submit(run_shipped, runner, pack(stage, build, outputs, code))
                running[future] = (stage, key, time.perf_counter())
                bar.set_description(_running_text(running))
            if not running:
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                stage, key, began = running.pop(future)
                error = future.exception()
                worker = {}
                if error is None and scheduler is not None:
                    returned = future.result()
                    unpack(returned, build)
                    worker = {"worker": returned.worker}
                missing = missing_outputs(build, stage) if error is None else []
                if missing:
                    where = (
                        f"（计算节点 {worker['worker']} 没有送回）"
                        if worker
                        else f"（应在构建文件夹 {build} 中）"
                    )
                    error = MissingOutputs(
                        f"阶段运行结束，但没有写出它声明的输出：{'、'.join(missing)}{where}"
                    )
                if error is None:
                    outputs[stage.id] = output_files(build, stage)
                    records[stage.id] = stage_record(
                        key, "ran", inputs[stage.id], outputs=outputs[stage.id],
                        seconds=round(time.perf_counter() - began, 2), **worker,
                    )  # fmt: skip
                    result.ran.append(stage.id)
                    bar.set_postfix_str(f"完成：{stage.label}")
                else:
                    failures.append(_failure(stage, build, error))
                    records[stage.id] = stage_record(
                        key, "failed", inputs[stage.id], error=failures[-1].reason
                    )
                    bar.set_postfix_str(f"失败：{stage.label}")
                bar.update(1)
            bar.set_description(_running_text(running))
    finally:
        bar.close()
        close()
    return result
