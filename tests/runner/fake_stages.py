"""A stand-in for the stage notebooks, for tests of the runner itself (scheduling, reuse, atomic
publish, fault injection): each stage writes its declared outputs with a version tag, quickly."""

from __future__ import annotations

import fnmatch
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
        if fnmatch.fnmatchcase(f"stage:{stage.id}", os.environ.get("FAKE_KILL_AT", "-")):
            os.kill(os.getpid(), signal.SIGKILL)  # half-way through the stage's outputs


def shipped_runner(stage: Stage, build: Path) -> None:
    """fake_runner for Dask workers with disks of their own (tests/runner/test_run_dask.py): it
    runs in the worker's own scratch folder (TMPDIR), reads every upstream file the stage
    declares from there, and writes into each output what it read, so that the test can see the
    inputs travelled to the worker and the outputs back. Slow enough (0.2 s) for a worker to be
    killed while others still run."""
    import hashlib
    import tempfile
    import time

    assert Path(tempfile.gettempdir()) in build.parents, (build, tempfile.gettempdir())
    read = sorted(
        f"{name}:{hashlib.sha256((build / name).read_bytes()).hexdigest()[:8]}"
        for name in stage.reads or ()
        if (build / name).is_file()
    )
    time.sleep(0.2)
    fake_runner(stage, build)
    for entry in stage.outputs:
        path = build / (f"{entry}/annual-assessment-2024.html" if entry == "report" else entry)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\nread " + " ".join(read))
