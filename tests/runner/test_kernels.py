"""The pool of started kernels (pipeline/runner/kernels.py): counties run through one kernel, in
either order, give every output a fresh kernel gives, byte for byte; no handle leaks per notebook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
    assert len(expected) == len(CODES) * 5  # simulation, assessment, paths, chart, notebook

    for name, order in (("forward", CODES), ("backward", CODES[::-1])):
        build = _build(published, tmp_path / name)
        pool = KernelPool()
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
    pool = KernelPool()
    stage = _counties(tmp_path, CODES[:1])[0]
    for _ in range(2):
        with pytest.raises(RuntimeError, match="第3格出错"):
            pool(stage, tmp_path)
    pool.close()
    assert len(managers) == 2 and managers[0] is not managers[1]
    assert not any(m.has_kernel for m in managers)


def _notebook(folder: Path, name: str, *sources: str) -> None:
    import nbformat

    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / name)


@pytest.mark.slow
def test_a_failed_notebook_leaves_its_audit_copy(tmp_path, monkeypatch):
    """The pool writes the audit copy once, at the end, not after every cell; a failure still
    leaves it: a cell's error with papermill's marker, a kernel that died with the cells it ran."""
    import papermill

    from pipeline.runner import kernels
    from pipeline.runner.fingerprint import Stage

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks, "error.ipynb", "print('第一格')", "raise ValueError('第二格出错')")
    _notebook(notebooks, "dies.ipynb", "print('第一格')", "import os\nos._exit(1)")
    monkeypatch.setattr(kernels, "NOTEBOOKS_DIR", notebooks)
    build = tmp_path / "build"
    (build / "report" / "notebooks").mkdir(parents=True)
    pool = KernelPool()
    try:
        for name, error in (("error", papermill.PapermillExecutionError), ("dies", Exception)):
            stage = Stage(name, name, f"{name}.ipynb", {})
            with pytest.raises(error):
                pool(stage, build)
            audit = json.loads((build / stage.notebook_out()).read_text(encoding="utf-8"))
            code = [c for c in audit["cells"] if c["cell_type"] == "code"]
            assert "".join(code[0]["outputs"][0]["text"]) == "第一格\n", name
            if name == "error":
                assert "第二格出错" in json.dumps(code[1]["outputs"], ensure_ascii=False)
                assert "papermill-error-cell-tag" in json.dumps(audit["cells"][0])
    finally:
        pool.close()


@pytest.mark.slow
def test_matplotlib_is_set_as_in_a_fresh_kernel(tmp_path, monkeypatch):
    """Matplotlib's backend and interactive mode as in a fresh kernel that imported what the stage
    notebooks import (pipeline.report.fonts chooses Agg), after the warm-up and after a reset:
    never interactive, in which every chart a cell draws is held for display until the cell
    ends, closed or not (at 200 regions the report's kernel 613 MiB against 393)."""
    from pipeline.runner import execute, kernels
    from pipeline.runner.fingerprint import Stage

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(
        notebooks,
        "mpl.ipynb",
        "from pipeline.report import charts\nimport matplotlib\n"
        "print(matplotlib.get_backend(), matplotlib.is_interactive())",
    )
    monkeypatch.setattr(kernels, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(execute, "NOTEBOOKS_DIR", notebooks)

    def printed(run, name: str) -> str:
        build = tmp_path / name
        (build / "report" / "notebooks").mkdir(parents=True)
        stage = Stage("mpl", "mpl", "mpl.ipynb", {})
        run(stage, build)
        audit = json.loads((build / stage.notebook_out()).read_text(encoding="utf-8"))
        code = next(c for c in audit["cells"] if c["cell_type"] == "code")
        return "".join(code["outputs"][0]["text"])

    pool = KernelPool()
    try:  # the pooled kernel's second notebook runs after a reset
        said = [printed(execute_notebook, "fresh"), printed(pool, "pooled"), printed(pool, "again")]
    finally:
        pool.close()
    assert said[0].endswith(" False\n")
    assert said == [said[0]] * 3


def test_every_stage_notebook_runs_in_the_threads_started_kernel(tmp_path, monkeypatch):
    """The year, county, city, report … notebooks of one thread all go to its one kernel, warmed
    up once, each into its own audit copy."""
    import papermill
    from jupyter_client.manager import AsyncKernelManager

    async def alive(self) -> bool:  # no kernel is started: papermill is replaced
        return True

    calls = []
    monkeypatch.setattr(
        papermill, "execute_notebook", lambda source, out, **kwargs: calls.append((out, kwargs))
    )
    monkeypatch.setattr(AsyncKernelManager, "is_alive", alive)
    pool = KernelPool()
    stages = plan_stages(RunOptions(YEAR), tmp_path)
    for stage in stages:
        pool(stage, tmp_path)
    pool.close()
    assert [out for out, _ in calls] == [str(tmp_path / s.notebook_out()) for s in stages]
    assert len({id(kwargs["km"]) for _, kwargs in calls}) == 1
    assert [kwargs["warm_up"] for _, kwargs in calls] == [True] + [False] * (len(stages) - 1)


def test_the_warm_up_imports_what_every_stage_notebook_and_stage_function_imports():
    """What a module does when imported (the charts module sets matplotlib's fonts) is in the
    state every pooled notebook starts from only if the warm-up imported it: every pipeline module
    the notebooks import, and those the stage functions import inside themselves. In a
    subprocess: this one has imported everything already."""
    import ast

    from pipeline import NOTEBOOKS_DIR, PROJECT_ROOT

    wanted = set()
    sources = [(PROJECT_ROOT / "pipeline" / "stages" / "steps.py").read_text(encoding="utf-8")]
    for notebook in sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        sources += [
            "\n".join(
                line for line in "".join(c["source"]).splitlines() if not line.startswith("%")
            )
            for c in cells
            if c["cell_type"] == "code"
        ]
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline"):
                # a submodule (from pipeline.report import charts) or a name in a module
                wanted.update(f"{node.module}.{alias.name}" for alias in node.names)
                wanted.add(node.module)
    script = f"""
import importlib.util, sys
from pipeline.runner import kernels

class Shell:
    def run_line_magic(self, *args): pass
    def reset(self, new_session): pass

def is_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name in a module, not a module
        return False

kernels.warm_up(Shell())
print(" ".join(m for m in {sorted(wanted)!r} if m not in sys.modules and is_module(m)))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
