"""The build folders of a year: a new build per run, the one pointer that publishes it, the links
through that pointer, the few builds kept, the lock, and the outputs' hashes — checked before a
build is called unchanged and before an earlier build's outputs are reused.

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
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.runner.fingerprint import MANIFEST, Stage, file_sha, files_under, read_manifest
from pipeline.store.atomic import fsync_dir, symlink_atomically
from pipeline.store.names import COMPLETE

FAILED = "FAILED"
CURRENT = "current"
KEEP_BUILDS = 3  # complete builds kept per year (the current one included)


class RunLocked(RuntimeError):
    """Another run holds the year's lock."""


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


def new_build(layout: Layout) -> tuple[str, Path]:
    """A fresh build folder (with report/notebooks/ for the executed copies) and its run id."""
    # microseconds: builds made within one second still sort by age (pruning keeps the newest)
    run_id = datetime.now().strftime("%Y%m%dT%H%M%S%f") + f"-{uuid.uuid4().hex[:6]}"
    build = layout.year_builds / run_id
    prepare(build)
    return run_id, build


def prepare(build: Path) -> None:
    """A build folder as the stages expect it: report/notebooks/ for the executed copies (papermill
    writes into an existing folder only). Also the scratch build of a Dask worker (shipping.py)."""
    (build / "report" / "notebooks").mkdir(parents=True, exist_ok=True)


def publish(layout: Layout, build: Path, run_id: str) -> None:
    """Mark ``build`` complete and swap the pointer to it (the one atomic step that publishes),
    then the links through the pointer, then remove what is no longer kept."""
    (build / COMPLETE).write_text(run_id, encoding="utf-8")
    fsync_dir(build)
    checkpoint("before-swap")
    symlink_atomically(run_id, layout.current)
    fsync_dir(layout.year_builds)
    checkpoint("after-swap")
    ensure_published_links(layout)
    checkpoint("after-links")
    clean_leftovers(layout)


def mark_failed(build: Path) -> None:
    """A failed build is kept (the newest one) for its executed notebooks, never published."""
    (build / FAILED).write_text("", encoding="utf-8")


def _in_place(link: Path, target: Path) -> bool:
    return link.is_symlink() and os.readlink(link) == os.path.relpath(target, link.parent)


def published_links_in_place(layout: Layout) -> bool:
    """Both published paths are the links :func:`ensure_published_links` makes."""
    return all(_in_place(link, target) for link, target in layout.published_links())


def ensure_published_links(layout: Layout) -> None:
    """``data/processed/<year>`` and ``reports/<year>`` as relative links through the pointer.
    A real folder left by an older version of the pipeline is moved aside first (once)."""
    if layout.current_build() is None:
        return
    pending = []
    for link, target in layout.published_links():
        if _in_place(link, target):
            continue
        relative = os.path.relpath(target, link.parent)
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
# outputs and their hashes


def missing_outputs(build: Path, stage: Stage) -> list[str]:
    """The declared outputs of ``stage`` that are not in ``build``: a file that does not exist,
    or a folder with no file in it."""
    return [entry for entry in stage.outputs if next(files_under(build / entry), None) is None]


def output_files(build: Path, stage: Stage) -> dict[str, str]:
    """Relative path → sha256 of each output of ``stage`` in ``build``. The report folder's
    notebooks/ (audit copies) and documents/ (the documents stage's) are not the report's."""
    found = {}
    for entry in stage.outputs:
        for path in files_under(build / entry):
            relative = path.relative_to(build)
            nested = relative.parts[:2] in (("report", "notebooks"), ("report", "documents"))
            if nested and not entry.startswith("/".join(relative.parts[:2])):
                continue
            found[str(relative)] = file_sha(path)
    return found


def altered_outputs(build: Path, record: dict) -> list[str]:
    """The outputs of a stage record whose file is missing or no longer has its recorded hash
    (edited in place, truncated, deleted)."""
    return [
        name
        for name, sha in record.get("outputs", {}).items()
        if not (build / name).is_file() or file_sha(build / name) != sha
    ]


def verify_published(layout: Layout) -> list[str]:
    """Every published file (the current build's outputs) against its recorded hash: the paths
    of those that differ. Run before every decision that nothing changed."""
    current = layout.current_build()
    if current is None:
        return []
    stages = read_manifest(current).get("stages", {})
    return [
        str(current / name)
        for record in stages.values()
        for name in altered_outputs(current, record)
    ]


# --------------------------------------------------------------------------------------------
# reuse of unchanged stages


def candidates(layout: Layout) -> list[Path]:
    """The builds whose outputs may be reused: the current one first, then the others, newest first."""
    current = layout.current_build()
    others = sorted(
        (p for p in layout.year_builds.iterdir() if p.is_dir() and p != current and (p / MANIFEST).exists()),
        key=lambda p: p.name,
        reverse=True,
    )  # fmt: skip
    return ([current] if current else []) + others


def reusable(stage: Stage, key: str, builds: list[Path]) -> tuple[Path, dict] | None:
    """An earlier build's outputs of ``stage`` for the same key, only if every file still has
    the hash recorded when it was made."""
    for build in builds:
        record = read_manifest(build).get("stages", {}).get(stage.id)
        if record and record.get("key") == key and record.get("status") in ("ran", "reused"):
            if not altered_outputs(build, record):
                return build, record
    return None


def reuse(stage: Stage, source: Path, record: dict, build: Path) -> None:
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
