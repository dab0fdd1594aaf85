"""A stand-in for the stage notebooks, for tests of the runner itself (scheduling, reuse, atomic
publish, fault injection): each stage writes its declared outputs with a version tag, quickly."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from pipeline.runner.fingerprint import Stage


def fake_runner(stage: Stage, build: Path) -> None:
    version = os.environ.get("FAKE_VERSION", "1")
    if stage.id in os.environ.get("FAKE_FAIL", "").split(","):
        raise ValueError(f"{stage.label}：第3行数据无法解析")
    changed = os.environ.get("FAKE_CHANGED_REGION", "")
    skipped = os.environ.get("FAKE_SKIP_OUTPUT", "")  # "stage-id:output" left unwritten
    for entry in stage.outputs:
        if f"{stage.id}:{entry}" == skipped:
            continue
        path = build / (f"{entry}/annual-assessment-2024.html" if entry == "report" else entry)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Outputs depend on the version only for the runs that say so (FAKE_VERSIONED=1); a
        # changed region's slice differs from the others'.
        tag = version if os.environ.get("FAKE_VERSIONED") else "same"
        extra = " changed" if changed and f"/{changed}/" in entry else ""
        path.write_text(f"{tag} {stage.id}{extra}", encoding="utf-8")
        if os.environ.get("FAKE_KILL_AT") == f"stage:{stage.id}":
            os.kill(os.getpid(), signal.SIGKILL)  # half-way through the stage's outputs


def pid_runner(stage: Stage, build: Path) -> None:
    """fake_runner that also records which process ran the stage (for the Dask test)."""
    fake_runner(stage, build)
    (build / "pids").mkdir(exist_ok=True)
    (build / "pids" / stage.id).write_text(str(os.getpid()), encoding="utf-8")
