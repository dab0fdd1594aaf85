"""The pool of started kernels (pipeline/runner/kernels.py): counties run through one kernel, in
either order, give every output a fresh kernel gives, byte for byte; no handle leaks per notebook."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline.runner.execute import execute_notebook
from pipeline.runner.kernels import KernelPool
from pipeline.runner.run import RunOptions, plan_stages

YEAR = 2024
# Two counties in both orders: each runs right after the warm-up and right after the other one
# (a third would add half a minute to `make test` and no new case).
CODES = ("610902", "610921")


def _build(published, into: Path) -> Path:
    """A build folder holding the published year stage's outputs (the counties' inputs), without
    its COMPLETE marker, so that county stages may write into it."""
    root, _ = published
    processed = (root / "processed" / str(YEAR)).resolve()
    shutil.copytree(processed, into / "processed" / str(YEAR))
    (into / "report" / "notebooks").mkdir(parents=True)
    return into


def _counties(build: Path, codes) -> list:
    stages = {s.parameters.get("region_code"): s for s in plan_stages(RunOptions(YEAR), build)}
    return [stages[code] for code in codes]


def _outputs(build: Path) -> dict[str, bytes]:
    """Every county output file, and every cell of every executed county notebook (type,
    execution count, outputs, source — the build's own folder written as <build>; papermill's
    timings left out), as bytes."""
    found = {}
    for stage in _counties(build, CODES):
        for entry in stage.outputs:
            found[entry] = (build / entry).read_bytes()
        notebook = json.loads((build / stage.notebook_out()).read_text(encoding="utf-8"))
        cells = [
            [c["cell_type"], c.get("execution_count"), c.get("outputs"), "".join(c["source"])]
            for c in notebook["cells"]
        ]
        text = json.dumps(cells, sort_keys=True, ensure_ascii=False)
        found[stage.notebook_out()] = text.replace(str(build), "<build>").encode()
    return found


def _open_handles() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
def test_counties_through_one_kernel_in_either_order_give_a_fresh_kernels_outputs(
    published, tmp_path
):
    fresh = _build(published, tmp_path / "fresh")
    for stage in _counties(fresh, CODES):
        execute_notebook(stage, fresh)
    expected = _outputs(fresh)
    assert len(expected) == len(CODES) * 4  # simulation, assessment, paths, notebook

    for name, order in (("forward", CODES), ("backward", CODES[::-1])):
        build = _build(published, tmp_path / name)
        pool = KernelPool(execute_notebook)
        before = _open_handles()
        handles = []
        try:
            for stage in _counties(build, order):
                pool(stage, build)
                handles.append(_open_handles())
        finally:
            pool.close()
        assert _outputs(build) == expected, name
        # one kernel's connection held, none added per notebook; all given back at the end
        assert len(set(handles)) == 1, handles
        assert _open_handles() == before


def test_a_failed_notebook_s_kernel_is_not_reused(tmp_path, monkeypatch):
    """After a failure the next county starts from a new kernel (and the old one is shut down)."""
    import papermill

    managers = []

    def fail(*args, **kwargs):
        managers.append(kwargs["km"])
        raise RuntimeError("第3格出错")

    monkeypatch.setattr(papermill, "execute_notebook", fail)
    pool = KernelPool(execute_notebook)
    stage = _counties(tmp_path, CODES[:1])[0]
    for _ in range(2):
        with pytest.raises(RuntimeError, match="第3格出错"):
            pool(stage, tmp_path)
    pool.close()
    assert len(managers) == 2 and managers[0] is not managers[1]
    assert not any(m.has_kernel for m in managers)


def test_only_the_per_county_stages_are_pooled(tmp_path):
    """Every stage the registry declares once goes to the fallback (a fresh kernel each)."""
    from pipeline.stages import registry

    ran = []
    pool = KernelPool(lambda stage, build: ran.append(stage.id))
    once = [s for s in plan_stages(RunOptions(YEAR), tmp_path) if "region_code" not in s.parameters]
    for stage in once:
        pool(stage, tmp_path)
    pool.close()
    assert ran == [spec.name for spec in registry.STAGES if spec.per == "once"]
    assert "year" in ran and "report" in ran
