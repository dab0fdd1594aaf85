"""Every atomic write of the project, in one place: a file is written under a unique temporary
name beside its destination and renamed over it (rename(2)), so a reader — or a run killed at any
moment — sees the old file or the new one, never half of one."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a table is written: the runner's pointer and manifest need
    import numpy as np  # neither, and python -m pipeline towns decides its no-op without them
    import pandas as pd


def _partial(path: Path, suffix: str = "") -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial{suffix}")


def write_atomically(path: Path, write: Callable[[Path], None], *, suffix: str = "") -> None:
    """Call ``write(temporary)`` and rename the result to ``path`` (``suffix``: an extension the
    writer insists on, as numpy's .npz). A writer that fails leaves no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(path, suffix)
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_csv_atomically(frame: pd.DataFrame, path: Path) -> None:
    """A table as inert CSV (no cell can become a formula: ``pipeline.store.inert``), its exact
    decimals as exact text (declared by the file's name: ``pipeline.store.number_text``)."""
    from pipeline.store.inert import write_csv

    write_atomically(path, lambda partial: write_csv(frame, partial, published_as=path.name))


def write_npz_atomically(arrays: dict[str, np.ndarray], path: Path) -> None:
    import numpy as np

    write_atomically(path, lambda partial: np.savez(partial, **arrays), suffix=".npz")


def write_json_atomically(data: dict, path: Path) -> None:
    """JSON, flushed to disk before the rename (the run's manifest must survive a power cut)."""

    def write(partial: Path) -> None:
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())

    write_atomically(path, write)


def symlink_atomically(target: str, link: Path) -> None:
    """Point ``link`` at ``target``: the link is the old one or the new one, never neither."""
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.tmp")
    os.symlink(target, temporary)
    os.replace(temporary, link)


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
