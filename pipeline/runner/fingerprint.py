"""What a stage's result depends on, and whether it changed: the stage as planned, the hashes of
files and trees, each stage's input parts and key, and the records of ``stages.json``.

One iterator, :func:`compare_recorded`, walks the planned stages against the records of a build;
the runner's no-op check stops at its first change, ``python -m pipeline stages`` explains every
stage from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import CONFIG_DIR, NOTEBOOKS_DIR, PROJECT_ROOT

MANIFEST = "stages.json"
# Parameters naming the build's own folders: they differ on every run, never in what it computes.
_FOLDER_PARAMETERS = ("processed_dir", "report_dir", "raw_dir", "review_dir")


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

    def upstream_read(self, upstream: dict[str, dict[str, str]]) -> dict[str, str]:
        """Of its dependencies' outputs (stage id → relative path → sha), those the stage reads."""
        return {
            name: sha
            for dep in self.deps
            for name, sha in sorted(upstream.get(dep, {}).items())
            # a declared file, or a file of a declared folder (the status matrix's parts)
            if self.reads is None or name in self.reads or name.rpartition("/")[0] in self.reads
        }

    def notebook_out(self) -> str:
        """Where the executed notebook is kept: report/notebooks/20_county-610902.ipynb."""
        region = self.parameters.get("region_code")
        stem = self.notebook.removesuffix(".ipynb")
        return (
            f"report/notebooks/{stem}-{region}.ipynb"
            if region
            else f"report/notebooks/{self.notebook}"
        )


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


def files_under(path: Path) -> Iterator[Path]:
    """``path`` itself if it is a file, else every file below it (no caches, no hidden files)."""
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
        for path in files_under(root):
            digest.update(str(path.relative_to(root.parent)).encode())
            _hash_file(path, digest)
    return digest.hexdigest()


# state_sha's file hashes by (path, device, inode, size, mtime, ctime): the town run checks ten
# units and the city, each over the same code, configuration and submissions.
_STATE_CACHE: dict[tuple, str] = {}
# A file changed less than this long ago is hashed again every time: a rewrite within the clock's
# tick could leave its times as they were (git's "racy" files).
_SETTLED_NS = 2_000_000_000


def _settled_sha(path: Path) -> str:
    status = path.stat()
    key = (str(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns,
           status.st_ctime_ns)  # fmt: skip
    if key in _STATE_CACHE:
        return _STATE_CACHE[key]
    sha = file_sha(path)
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > _SETTLED_NS:
        _STATE_CACHE[key] = sha
    return sha


def state_sha(roots: list[Path]) -> str:
    """One hash of each root's name and real path, and of the name and contents of every file
    under it (and the real path of a file that is a link): unlike :func:`tree_sha`, a link that
    now leads to another build (a unit's published results, through its pointer) is a change.
    For the run stamp (:mod:`pipeline.runner.stamp`), which is never compared across machines."""
    digest = hashlib.sha256()
    for root in roots:
        digest.update(f"{root}\0{os.path.realpath(root)}\0".encode())
        for path in files_under(root):
            real = os.path.realpath(path) if path.is_symlink() else ""
            digest.update(f"{path.relative_to(root)}\0{real}\0{_settled_sha(path)}\n".encode())
    return digest.hexdigest()


def code_roots() -> list[Path]:
    """The pipeline package (code and templates), the configuration and the pinned environment."""
    return [PROJECT_ROOT / "pipeline", CONFIG_DIR, PROJECT_ROOT / "requirements.lock"]


def code_sha() -> str:
    """One hash of :func:`code_roots`: part of every stage's key."""
    return tree_sha(code_roots())


# --------------------------------------------------------------------------------------------
# a stage's inputs and key


def stage_inputs(stage: Stage, code: str, upstream: dict[str, dict[str, str]]) -> dict[str, str]:
    """What a stage's result depends on, part by part (recorded in stages.json, so that a rerun can
    say why): code and configuration, notebook, parameters (minus the build's own folders), each
    extra file or folder, and the hash of each upstream output it reads."""
    stable = {k: v for k, v in stage.parameters.items() if k not in _FOLDER_PARAMETERS}
    parts = {
        "code": code,
        "notebook": file_sha(NOTEBOOKS_DIR / stage.notebook),
        "parameters": json.dumps(stable, sort_keys=True, ensure_ascii=False),
    }
    for path in stage.static_inputs:
        parts[f"file:{path}"] = tree_sha([Path(path)])
    for name, sha in stage.upstream_read(upstream).items():
        parts[f"upstream:{name}"] = sha
    return parts


def key_of(stage: Stage, inputs: dict[str, str]) -> str:
    """One hash of a stage's input parts (and the stage's id)."""
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


# --------------------------------------------------------------------------------------------
# stages.json


def read_manifest(build: Path) -> dict:
    """A build's stages.json ({} when it has none or it cannot be read)."""
    try:
        return json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def stage_record(key: str, status: str, inputs: dict[str, str], **fields: object) -> dict:
    """One stage's entry of stages.json: its key, what became of it (ran, reused, failed), its
    input parts (for ``python -m pipeline stages``) and, per status, outputs, seconds or error."""
    return {"key": key, "status": status, **fields, "inputs": inputs}


@dataclass(frozen=True)
class Recorded:
    """One planned stage beside its record in a build."""

    stage: Stage
    outputs: dict[str, str] | None  # the recorded outputs (None: the build has no result of it)
    changes: tuple[str, ...]  # the input parts that differ from the record, in words

    @property
    def differs(self) -> bool:
        return self.outputs is None or bool(self.changes)


def compare_recorded(stages: list[Stage], build: Path, code: str) -> Iterator[Recorded]:
    """Each of ``stages`` against its record in ``build``, in plan order, lazily: each stage's
    inputs are taken from the recorded outputs of its upstream stages, so a caller may stop at the
    first change without hashing the rest."""
    recorded = read_manifest(build).get("stages", {})
    upstream: dict[str, dict[str, str]] = {}
    for stage in stages:
        record = recorded.get(stage.id) or {}
        outputs = record.get("outputs")
        changes: tuple[str, ...] = ()
        if outputs is not None:
            inputs = stage_inputs(stage, code, upstream)
            if record.get("key") != key_of(stage, inputs):
                changes = tuple(changed_inputs(record.get("inputs", {}), inputs)) or (
                    "（上次的记录没有分项指纹）",
                )
            upstream[stage.id] = outputs
        yield Recorded(stage, outputs, changes)
