"""The run stamp: how ``python -m pipeline towns`` knows that a run would change nothing without
starting it (issue 17: the whole-city town run's no-op under 2 s).

Why: the town run starts eleven ``python -m pipeline report`` processes (ten units, then the city;
a unit's configuration is read when ``pipeline`` is imported, so they cannot share one), and each
spent about a CPU-second importing the pipeline, building its configuration, planning its
stages and hashing their inputs only to say 没有变化. The stage-by-stage check needs the unit's
configuration imported; this one needs none, because it is only file hashing.

How: the town runner names each command it starts by :func:`command_key` (the command line and
the environment that can change a result) and passes the key as ``--stamp``. When that run has
published, or found nothing changed, it writes ``<builds>/<year>/stamp.json`` (:func:`write`):

- the key;
- the paths its result depends on (:func:`roots`): the code, the configuration folder, the
  notebooks, the reference folder, its raw and review folders whole (a new file in them may be
  read), and every extra input its stages declare — for the city, the units' published results;
- one digest of those paths (:func:`pipeline.runner.fingerprint.state_sha`: names, real paths,
  contents), taken before its stages read them, so that an input edited during the run leaves
  the stamp stale rather than hiding the edit;
- the build it left published and the hash of that build's ``stages.json``.

Before starting the same command again the town runner calls :func:`fresh`, which holds the
year's lock and requires all of: the same key; the same build published, with the same
``stages.json``; both published links in place; every published file with the hash recorded
when it was made (:func:`pipeline.runner.builds.verify_published`, so an altered or deleted
published file is never hidden by a stamp); the same digest of the recorded paths. Then the run
is reported 没有变化 as the run itself would have. Anything else — no stamp, an unreadable one,
the lock held by another run, ``--force`` — starts the real process, which does the fine,
stage-by-stage check and writes a new stamp. A run that starts building removes the stamp first
(:func:`discard`), so a failed run leaves none.

Conservative on purpose: the stamp covers more than the stages' keys do (the whole raw and review
folders, the notebooks folder, the environment), so a stamp that does not match costs one
ordinary no-op of about a second, and a match means the run would have found every key equal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline import NOTEBOOKS_DIR, REFERENCE_DIR
from pipeline.runner.builds import (
    Layout,
    RunLocked,
    published_links_in_place,
    verify_published,
    year_lock,
)
from pipeline.runner.fingerprint import MANIFEST, Stage, code_roots, file_sha, state_sha
from pipeline.store.atomic import write_json_atomically

STAMP = "stamp.json"
STAMP_FLAG = "--stamp"
# Flags that do not change what a run publishes: where it reports (--summary), its stamp's own
# name, and --force (a forced run records the same keys as any run, so its stamp serves the next).
_IGNORED_FLAGS = ("--summary=", f"{STAMP_FLAG}=", "--force")
# The environment a run's result can depend on: the pipeline's own folders, where Python finds
# its modules, and PATH and QUARTO_PATH (the renderer is Quarto when it is found, LibreOffice makes
# the documents' PDFs).
_ENVIRONMENT = ("PATH", "PYTHONPATH", "QUARTO_PATH")


def command_key(command: list[str], env: Mapping[str, str]) -> str:
    """The name of a run: its command line and the environment that can change its result."""
    arguments = [a for a in command if not a.startswith(_IGNORED_FLAGS)]
    environment = {
        k: v for k, v in sorted(env.items()) if k.startswith("ANKANG_") or k in _ENVIRONMENT
    }
    text = json.dumps([arguments, environment], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Taken:
    """What a run's stamp will say of its inputs, taken before its stages read them."""

    key: str
    roots: list[str]
    inputs: str


def roots(stages: Iterable[Stage], raw_dir: Path, review_dir: Path) -> list[str]:
    """Every path a run's result depends on (see the module docstring), each once."""
    paths = [*code_roots(), NOTEBOOKS_DIR, REFERENCE_DIR, raw_dir.resolve(), review_dir.resolve()]
    paths += [Path(p) for stage in stages for p in stage.static_inputs]
    return list(dict.fromkeys(str(p) for p in paths))


def digest(paths: list[str]) -> str:
    return state_sha([Path(p) for p in paths])


def take(key: str, stages: Iterable[Stage], raw_dir: Path, review_dir: Path) -> Taken:
    paths = roots(stages, raw_dir, review_dir)
    return Taken(key, paths, digest(paths))


def path_of(layout: Layout) -> Path:
    return layout.year_builds / STAMP


def write(layout: Layout, taken: Taken) -> None:
    """Record that the run ``taken`` names left the current build published (called by the
    runner, holding the year's lock)."""
    current = layout.current_build()
    if current is None:
        return
    stamp = {
        "key": taken.key,
        "build": current.name,
        "manifest": file_sha(current / MANIFEST),
        "inputs": taken.inputs,
        "roots": taken.roots,
    }
    write_json_atomically(stamp, path_of(layout))


def discard(layout: Layout) -> None:
    path_of(layout).unlink(missing_ok=True)


def fresh(layout: Layout, key: str) -> bool:
    """Whether the run named ``key`` would change nothing (see the module docstring)."""
    try:
        stamp = json.loads(path_of(layout).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or stamp.get("key") != key:
        return False
    try:
        with year_lock(layout):
            current = layout.current_build()
            return (
                current is not None
                and current.name == stamp["build"]
                and file_sha(current / MANIFEST) == stamp["manifest"]
                and published_links_in_place(layout)
                and digest(list(stamp["roots"])) == stamp["inputs"]
                and not verify_published(layout)
            )
    except (RunLocked, OSError, KeyError, TypeError):
        return False
