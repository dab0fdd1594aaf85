"""The runner of ``make report``: the year's stages as parameterised notebooks (papermill), run in
parallel where independent, skipped when their inputs are unchanged, published atomically.

Layout (docs/running.md explains it for analysts)::

    data/builds/<year>/<run-id>/processed/<year>/...   one build per run that changed something
    data/builds/<year>/<run-id>/report/                report files, report/notebooks/ (executed)
    data/builds/<year>/<run-id>/stages.json            per stage: input key, output hashes
    data/builds/<year>/current -> <run-id>             THE pointer, swapped last (atomic rename)
    data/processed/<year> -> ../builds/<year>/current/processed/<year>
    reports/<year>        -> ../data/builds/<year>/current/report

Both published paths go through the one pointer, so they always resolve to the same build: a run
killed at any moment leaves the last good pair. The next run removes what killed runs left.
A per-year lock (flock) refuses a second run on the same year.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline import CONFIG_DIR, NOTEBOOKS_DIR, PROCESSED_DIR, PROJECT_ROOT, REPORTS_DIR
from pipeline.annual.review import REVIEW_DIR
from pipeline.stages import registry
from pipeline.store.atomic import fsync_dir, symlink_atomically, write_json_atomically
from pipeline.store.catalog import COMPLETE

MANIFEST = "stages.json"
FAILED = "FAILED"
CURRENT = "current"
KEEP_BUILDS = 3  # complete builds kept per year (the current one included)


class RunFailed(RuntimeError):
    """One or more stages failed; the message lists every failure and its reason."""


class MissingOutputs(RuntimeError):
    """A stage finished without an error but did not write everything it declares (a worker
    that wrote somewhere else, a notebook edited to skip a step): nothing is published."""


class RunLocked(RuntimeError):
    """Another run holds the year's lock."""


@dataclass(frozen=True)
class Stage:
    id: str  # "year", "county-610902", "city", "report"
    label: str  # for people: "汉滨区 县区阶段"
    notebook: str
    parameters: dict
    deps: tuple[str, ...] = ()
    # Outputs, relative to the build folder; a folder means every file under it.
    outputs: tuple[str, ...] = ()
    static_inputs: tuple[str, ...] = ()  # extra files/folders (absolute) hashed into the key
    # Which upstream outputs the stage reads (None: all of its dependencies' outputs). A county
    # reads only its own slice and the shared calibration, so a change elsewhere leaves it alone.
    reads: tuple[str, ...] | None = None

    @property
    def spec_name(self) -> str:
        """The declaration the stage comes from ("county" for "county-610902")."""
        return self.id.split("-", 1)[0]

    def notebook_out(self) -> str:
        """Where the executed notebook is kept: report/notebooks/20_county-610902.ipynb."""
        region = self.parameters.get("region_code")
        stem = self.notebook.removesuffix(".ipynb")
        return (
            f"report/notebooks/{stem}-{region}.ipynb"
            if region
            else f"report/notebooks/{self.notebook}"
        )


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


# --------------------------------------------------------------------------------------------
# hashing


def _hash_file(path: Path, digest: hashlib._Hash) -> None:
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    _hash_file(path, digest)
    return digest.hexdigest()


def _files_under(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            if (
                child.is_file()
                and "__pycache__" not in child.parts
                and not child.name.startswith(".")
            ):
                yield child


def tree_sha(roots: list[Path]) -> str:
    """One hash of the names and contents of every file under ``roots``."""
    digest = hashlib.sha256()
    for root in roots:
        for path in _files_under(root):
            digest.update(str(path.relative_to(root.parent)).encode())
            _hash_file(path, digest)
    return digest.hexdigest()


def code_sha() -> str:
    """The pipeline package (code and templates), the configuration and the pinned environment."""
    return tree_sha([PROJECT_ROOT / "pipeline", CONFIG_DIR, PROJECT_ROOT / "requirements.lock"])


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


def stage_inputs(stage: Stage, code: str, upstream: dict[str, dict[str, str]]) -> dict[str, str]:
    """What a stage's result depends on, part by part (recorded in stages.json, so that a rerun can
    say why): code and configuration, notebook, parameters (minus the build's own folders), each
    extra file or folder, and the hash of each upstream output it reads."""
    stable = {
        k: v
        for k, v in stage.parameters.items()
        if k not in ("processed_dir", "report_dir", "raw_dir", "review_dir")
    }
    parts = {
        "code": code,
        "notebook": file_sha(NOTEBOOKS_DIR / stage.notebook),
        "parameters": json.dumps(stable, sort_keys=True, ensure_ascii=False),
    }
    for path in stage.static_inputs:
        parts[f"file:{path}"] = tree_sha([Path(path)])
    for dep in stage.deps:
        for name, sha in sorted(upstream.get(dep, {}).items()):
            if stage.reads is None or name in stage.reads:
                parts[f"upstream:{name}"] = sha
    return parts


def stage_key(stage: Stage, code: str, upstream: dict[str, dict[str, str]]) -> str:
    """One hash of :func:`stage_inputs` (and the stage's id)."""
    return key_of(stage, stage_inputs(stage, code, upstream))


def key_of(stage: Stage, inputs: dict[str, str]) -> str:
    parts = {"stage": stage.id, **inputs}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def changed_inputs(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    """The parts of a stage's inputs that differ from those recorded, in words."""
    words = {"code": "代码、配置或依赖（pipeline/、config/、requirements.lock）", "notebook": "笔记本",
             "parameters": "参数"}  # fmt: skip
    changed = []
    upstream = []
    for name in sorted(set(recorded) | set(now)):
        if recorded.get(name) == now.get(name):
            continue
        if name.startswith("upstream:"):
            upstream.append(name.removeprefix("upstream:"))
        elif name.startswith("file:"):
            changed.append(f"文件 {name.removeprefix('file:')}")
        else:
            changed.append(words.get(name, name))
    if upstream:
        shown = "、".join(upstream[:3]) + (f" 等{len(upstream)}个" if len(upstream) > 3 else "")
        changed.append(f"上游输出 {shown}")
    return changed


def missing_outputs(build: Path, stage: Stage) -> list[str]:
    """The declared outputs of ``stage`` that are not in ``build``: a file that does not exist,
    or a folder with no file in it."""
    return [entry for entry in stage.outputs if next(_files_under(build / entry), None) is None]


def output_files(build: Path, stage: Stage) -> dict[str, str]:
    """Relative path → sha256 of each output of ``stage`` in ``build``. The report folder's
    notebooks/ (audit copies) and documents/ (the documents stage's) are not the report's."""
    found = {}
    for entry in stage.outputs:
        for path in _files_under(build / entry):
            relative = path.relative_to(build)
            nested = relative.parts[:2] in (("report", "notebooks"), ("report", "documents"))
            if nested and not entry.startswith("/".join(relative.parts[:2])):
                continue
            found[str(relative)] = file_sha(path)
    return found


# --------------------------------------------------------------------------------------------
# executing one stage


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


# --------------------------------------------------------------------------------------------
# builds, pointer, lock


@dataclass
class Layout:
    year: int
    processed_root: Path
    reports_root: Path
    builds_root: Path

    @property
    def year_builds(self) -> Path:
        return self.builds_root / str(self.year)

    @property
    def current(self) -> Path:
        return self.year_builds / CURRENT

    def current_build(self) -> Path | None:
        if not self.current.is_symlink():
            return None
        build = self.year_builds / os.readlink(self.current)
        return build if (build / COMPLETE).exists() else None

    def published_links(self) -> list[tuple[Path, Path]]:
        """(stable link, what it points to through the pointer)."""
        return [
            (self.processed_root / str(self.year), self.current / "processed" / str(self.year)),
            (self.reports_root / str(self.year), self.current / "report"),
        ]


def _read_manifest(build: Path) -> dict:
    try:
        return json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def ensure_published_links(layout: Layout) -> None:
    """``data/processed/<year>`` and ``reports/<year>`` as relative links through the pointer.
    A real folder left by an older version of the pipeline is moved aside first (once)."""
    if layout.current_build() is None:
        return
    pending = []
    for link, target in layout.published_links():
        relative = os.path.relpath(target, link.parent)
        if link.is_symlink() and os.readlink(link) == relative:
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() and not link.is_symlink():
            link.rename(link.with_name(f".previous-{link.name}-{uuid.uuid4().hex[:8]}"))
        pending.append((relative, link))
    for relative, link in pending:
        symlink_atomically(relative, link)


def clean_leftovers(layout: Layout) -> list[str]:
    """Remove what killed or old runs left: unfinished builds, stray temporary links, older
    builds beyond the few kept, staging folders of the previous runner. Returns what was removed."""
    removed = []
    current = layout.current_build()
    builds = sorted(
        (p for p in layout.year_builds.iterdir() if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.name,
        reverse=True,
    ) if layout.year_builds.is_dir() else []  # fmt: skip
    complete = [b for b in builds if (b / COMPLETE).exists()]
    failed = [b for b in builds if (b / FAILED).exists()]
    keep = {current} | set(complete[: KEEP_BUILDS - 1]) | set(failed[:1])
    for build in builds:
        if build not in keep:
            shutil.rmtree(build, ignore_errors=True)
            removed.append(str(build))
    for root in (layout.year_builds, layout.processed_root, layout.reports_root):
        if not root.is_dir():
            continue
        for path in root.iterdir():
            name = path.name
            leftover = (
                name.startswith(f".{CURRENT}.") and name.endswith(".tmp")
            ) or name.startswith(
                (f".staging-{layout.year}-", f".previous-{layout.year}-", f".{layout.year}.")
            )
            # The previous runner kept a failed run's notebooks in reports/failed-<year>.
            leftover |= root == layout.reports_root and name == f"failed-{layout.year}"
            if leftover:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(str(path))
    return removed


@contextmanager
def year_lock(layout: Layout) -> Iterator[None]:
    layout.year_builds.mkdir(parents=True, exist_ok=True)
    path = layout.year_builds / ".lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "未知"
            raise RunLocked(
                f"{layout.year}年的报告正由另一个进程（pid {holder}）生成，本次未运行。"
                f"请等它结束后再运行；锁文件 {path}（进程结束时自动释放，无需手动删除）。"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def checkpoint(name: str) -> None:
    """A named point of the run (fault-injection tests replace this to kill the process here)."""


# --------------------------------------------------------------------------------------------
# reuse of unchanged stages


def altered_outputs(build: Path, record: dict) -> list[str]:
    """The outputs of a stage record whose file is missing or no longer has its recorded hash
    (edited in place, truncated, deleted)."""
    return [
        name
        for name, sha in record.get("outputs", {}).items()
        if not (build / name).is_file() or file_sha(build / name) != sha
    ]


def _reusable(stage: Stage, key: str, candidates: list[Path]) -> tuple[Path, dict] | None:
    """An earlier build's outputs of ``stage`` for the same key, only if every file still has
    the hash recorded when it was made."""
    for build in candidates:
        record = _read_manifest(build).get("stages", {}).get(stage.id)
        if record and record.get("key") == key and record.get("status") in ("ran", "reused"):
            if not altered_outputs(build, record):
                return build, record
    return None


def verify_published(layout: Layout) -> list[str]:
    """Every published file (the current build's outputs) against its recorded hash: the paths
    of those that differ. Run before every decision that nothing changed."""
    current = layout.current_build()
    if current is None:
        return []
    stages = _read_manifest(current).get("stages", {})
    return [
        str(current / name)
        for record in stages.values()
        for name in altered_outputs(current, record)
    ]


def _reuse(stage: Stage, source: Path, record: dict, build: Path) -> None:
    """Copy the stage's outputs from an earlier build — a copy, never a hard link, so an editor
    changing a published file in place cannot change the kept builds too; copy its executed
    notebook with the earlier build's folder replaced by this one (its parameters name the
    folder it ran on)."""
    for name in record["outputs"]:
        destination = build / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination)
    notebook = source / stage.notebook_out()
    if notebook.exists():
        out = build / stage.notebook_out()
        out.parent.mkdir(parents=True, exist_ok=True)
        text = notebook.read_text(encoding="utf-8")
        out.write_text(text.replace(str(source.resolve()), str(build.resolve())), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class RunResult:
    folder: Path
    changed: bool
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _candidates(layout: Layout) -> list[Path]:
    current = layout.current_build()
    others = sorted(
        (p for p in layout.year_builds.iterdir() if p.is_dir() and p != current and (p / MANIFEST).exists()),
        key=lambda p: p.name,
        reverse=True,
    )  # fmt: skip
    return ([current] if current else []) + others


def _nothing_changed(layout: Layout, stages_for: Callable[[Path], list[Stage]], code: str) -> bool:
    current = layout.current_build()
    if current is None:
        return False
    recorded = _read_manifest(current).get("stages", {})
    upstream: dict[str, dict[str, str]] = {}
    for stage in stages_for(current):
        record = recorded.get(stage.id)
        if not record or record.get("key") != stage_key(stage, code, upstream):
            return False
        upstream[stage.id] = record["outputs"]
    return True


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
    recorded = _read_manifest(current).get("stages", {})
    altered = set(verify_published(layout))
    code = code_sha()
    upstream: dict[str, dict[str, str]] = {}
    result: list[Outlook] = []
    rerun: set[str] = set()
    for stage in stages:
        record = recorded.get(stage.id)
        inputs = stage_inputs(stage, code, upstream)
        if not record or "outputs" not in record:
            why = "上次构建中没有这个阶段的结果"
        elif any(str(current / name) in altered for name in record["outputs"]):
            why = "已发布的输出被改动（与记录的哈希不符）"
        elif record.get("key") != key_of(stage, inputs):
            why = "输入有变化：" + (
                "、".join(changed_inputs(record.get("inputs", {}), inputs))
                or "（上次的记录没有分项指纹）"
            )
        elif rerun & set(stage.deps):
            why = (
                "上游阶段将重跑："
                + "、".join(sorted(rerun & set(stage.deps))[:3])
                + "（其输出变了才会重跑）"
            )
        else:
            why = ""
        if record and "outputs" in record:
            upstream[stage.id] = record["outputs"]
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
    runner: Callable[[Stage, Path], None] = execute_notebook,
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
    runner: Callable[[Stage, Path], None] = execute_notebook,
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
        # microseconds: builds made within one second still sort by age (pruning keeps the newest)
        run_id = datetime.now().strftime("%Y%m%dT%H%M%S%f") + f"-{uuid.uuid4().hex[:6]}"
        build = layout.year_builds / run_id
        (build / "report" / "notebooks").mkdir(parents=True)
        stages = plan_stages(year, raw_dir, build.resolve(), use_quarto, review_dir, accept_changes)
        records, failures, skipped, ran, reused = _execute(
            stages,
            build,
            code,
            [] if force else _candidates(layout),
            workers,
            scheduler,
            runner,
            progress,
        )
        manifest = {"year": year, "run_id": run_id, "code": code, "stages": records}
        write_json_atomically(manifest, build / MANIFEST)
        if failures or skipped:
            (build / FAILED).write_text("", encoding="utf-8")
            lines = [f.line() for f in failures]
            if skipped:
                lines.append("  未运行（所依赖的阶段失败）：" + "、".join(s.label for s in skipped))
            raise RunFailed(
                f"{len(failures)} 个阶段失败，已发布的 {year} 年报告与数据未改动：\n"
                + "\n".join(lines)
            )
        (build / COMPLETE).write_text(run_id, encoding="utf-8")
        fsync_dir(build)
        checkpoint("before-swap")
        symlink_atomically(run_id, layout.current)
        fsync_dir(layout.year_builds)
        checkpoint("after-swap")
        ensure_published_links(layout)
        checkpoint("after-links")
        clean_leftovers(layout)
    return RunResult(reports_root / str(year), True, ran, reused, time.perf_counter() - started)


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


def _running_text(running: dict) -> str:
    names = [stage.label for stage, _, _ in running.values()]
    return f"运行中：{'、'.join(names)}" if names else "等待"


def _execute(
    stages: list[Stage],
    build: Path,
    code: str,
    candidates: list[Path],
    workers: int | None,
    scheduler: str | None,
    runner: Callable[[Stage, Path], None],
    progress: bool,
) -> tuple[dict, list[StageFailure], list[Stage], list[str], list[str]]:
    from tqdm import tqdm

    by_id = {s.id: s for s in stages}
    waiting = dict(by_id)
    outputs: dict[str, dict[str, str]] = {}
    records: dict[str, dict] = {}
    inputs: dict[str, dict[str, str]] = {}  # per stage: its input parts (recorded, for `stages`)
    failures: list[StageFailure] = []
    skipped: list[Stage] = []
    ran: list[str] = []
    reused: list[str] = []
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
                    skipped.append(stage)
                    records[stage.id] = {"status": "skipped"}
                    bar.update(1)
                    continue
                inputs[stage.id] = stage_inputs(stage, code, outputs)
                key = key_of(stage, inputs[stage.id])
                found = _reusable(stage, key, candidates)
                if found:
                    _reuse(stage, *found, build)
                    outputs[stage.id] = found[1]["outputs"]
                    records[stage.id] = {
                        "key": key,
                        "status": "reused",
                        "outputs": outputs[stage.id],
                        "seconds": 0,
                        "inputs": inputs[stage.id],
                    }
                    reused.append(stage.id)
                    bar.set_postfix_str(f"未变化，沿用：{stage.label}")
                    bar.update(1)
                    continue
                running[executor.submit(runner, stage, build)] = (stage, key, time.perf_counter())
                bar.set_description(
                    f"运行中：{'、'.join(s.label for s, _, _ in running.values())}"[:80]
                )
            if not running:
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                stage, key, began = running.pop(future)
                error = future.exception()
                missing = missing_outputs(build, stage) if error is None else []
                if missing:
                    error = MissingOutputs(
                        f"阶段运行结束，但没有写出它声明的输出：{'、'.join(missing)}"
                        f"（应在构建文件夹 {build} 中）"
                    )
                if error is None:
                    outputs[stage.id] = output_files(build, stage)
                    records[stage.id] = {
                        "key": key, "status": "ran", "outputs": outputs[stage.id],
                        "seconds": round(time.perf_counter() - began, 2),
                        "inputs": inputs[stage.id],
                    }  # fmt: skip
                    ran.append(stage.id)
                    bar.set_postfix_str(f"完成：{stage.label}")
                else:
                    failures.append(_failure(stage, build, error))
                    records[stage.id] = {
                        "key": key,
                        "status": "failed",
                        "error": failures[-1].reason,
                        "inputs": inputs[stage.id],
                    }
                    bar.set_postfix_str(f"失败：{stage.label}")
                bar.update(1)
            bar.set_description(
                f"运行中：{'、'.join(s.label for s, _, _ in running.values())}"[:80]
            )
    finally:
        bar.close()
        close()
    return records, failures, skipped, ran, reused
