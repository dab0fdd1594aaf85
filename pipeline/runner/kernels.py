"""A pool of started kernels for the stage notebooks: one kernel per worker thread, started and
warmed up (the imports) once, each notebook still executed by papermill into its own audit copy.
A notebook's kernel start and imports cost seconds for about one second of a county's work.

Between notebooks the kernel is put back as a fresh one would be after the same imports
(:func:`reset`, run in the kernel before each notebook's first cell): the namespace, the input and
output history and the execution count (so that a failure names the right cell), matplotlib's
rcParams, the warning filters and the "shown once" registries, the working directory,
``sys.path`` and the environment, the pipeline's cached configuration, and every open figure.
A kernel whose notebook failed, or that died, is shut down and replaced, never reused.

The warm-up imports every module the stage notebooks and their stage functions import, so that
what a module does when it is imported (the charts module sets matplotlib's fonts) is part of the
state every notebook starts from, whichever notebook first needed the module.

The hazards this answers were all seen in a prototype (issue 17): variables of the previous
county, growing execution counts, rcParams and cached configuration surviving ``%reset -f``, the
kernel's working directory, and about eleven file handles leaked per notebook by the clients.
``tests/runner/test_kernels.py`` runs counties through one kernel in both orders and compares
every output with fresh kernels, byte for byte.

Only for threads on this machine: a Dask worker starts its own kernels (``execute_notebook``).
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import warnings
from pathlib import Path

from pipeline import NOTEBOOKS_DIR, PROJECT_ROOT
from pipeline.runner.fingerprint import Stage

KERNEL_NAME = "python3"
# The kernel's own start-up warnings are noise in the analyst's terminal; errors in the notebook
# still reach us through papermill's exception.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
_RESET_CELL = "from pipeline.runner.kernels import reset as _reset\n_reset(get_ipython())"
_WARM_UP = "from pipeline.runner.kernels import warm_up as _warm_up\n_warm_up(get_ipython())"

# --------------------------------------------------------------------------------------------
# in the kernel

# The state every notebook starts from, taken once after the warm-up (module state: a namespace
# reset does not touch it).
_PRISTINE: dict[str, object] = {}


def warm_up(shell) -> None:
    """Import what the stage notebooks import, at their top and in their stage functions
    (pipeline/stages/steps.py), then record the state.

    No ``%matplotlib inline``: in a fresh kernel the stage notebooks' charts are drawn with the
    backend pipeline.report.fonts chooses (Agg), never in interactive mode; the magic switched the
    pooled kernel to the inline backend in interactive mode, where every chart a cell draws, even
    closed, is held for display until the cell ends (at 200 regions the report's kernel 613 MiB,
    393 without the magic; issue 17). tests/runner/test_kernels.py compares the two."""
    import matplotlib

    from pipeline.annual import departments, plan_results  # noqa: F401
    from pipeline.config import assessment_rules  # noqa: F401
    from pipeline.documents import build, render  # noqa: F401
    from pipeline.intake import departments as department_lists  # noqa: F401
    from pipeline.report import charts, county_explained, publish  # noqa: F401
    from pipeline.report.chapters import final_term  # noqa: F401
    from pipeline.stages import registry, steps  # noqa: F401

    _PRISTINE.update(
        cwd=os.getcwd(),
        rc=dict(matplotlib.rcParams),
        filters=list(warnings.filters),
        path=list(sys.path),
        environ=dict(os.environ),
    )
    shell.reset(new_session=True)
    # what the imports made lives as long as the kernel: the collector stops scanning it, so the
    # collection in each reset looks only at what the notebooks made (about 0.1 s less each)
    gc.collect()
    gc.freeze()


def _clear_pipeline_caches() -> None:
    """Forget what the pipeline's functions cached (configuration, regions, rules): a fresh kernel
    reads them again, so a pooled one does too."""
    for name, module in list(sys.modules.items()):
        if not (name == "pipeline" or name.startswith("pipeline.")) or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def reset(shell) -> None:
    """Put the kernel back as the warm-up left it (run before each notebook)."""
    import matplotlib
    from matplotlib import pyplot as plt

    plt.close("all")
    shell.reset(new_session=True)  # namespace, In/Out, output cache; execution count back to 1
    os.chdir(_PRISTINE["cwd"])
    sys.path[:] = _PRISTINE["path"]
    os.environ.clear()
    os.environ.update(_PRISTINE["environ"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated keys warn when set, even to their value
        matplotlib.rcParams.update(_PRISTINE["rc"])
    warnings.filters[:] = _PRISTINE["filters"]
    warnings._filters_mutated()  # forgets which warnings were "already shown": shown again
    _clear_pipeline_caches()
    gc.collect()  # closes the files and figures only the dropped namespace held


# --------------------------------------------------------------------------------------------
# in the runner


@functools.cache
def _engine_name() -> str:
    """Register (once) the papermill engine that runs a notebook in a given kernel: the warm-up
    first if the kernel is new, a reset before the notebook's first cell, and the kernel client
    closed after it (papermill leaves the client of a kernel it does not own open: the leaked file
    handles). The warm-up and the reset run on the notebook's own kernel client, outside the audit
    copy."""
    from jupyter_core.utils import run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb

    class PooledClient(PapermillNotebookClient):
        def __init__(self, nb_man, warm_up: bool = False, **kwargs):
            super().__init__(nb_man, **kwargs)
            self.warm_up = warm_up

        def papermill_execute_cells(self):
            for source in ([_WARM_UP] if self.warm_up else []) + [_RESET_CELL]:
                reply = run_sync(self.kc.execute_interactive)(
                    source, store_history=False, timeout=self.startup_timeout
                )
                if reply["content"]["status"] != "ok":
                    content = reply["content"]
                    raise RuntimeError(
                        f"内核{'预热' if source == _WARM_UP else '复位'}失败："
                        f"{content.get('ename')}: {content.get('evalue')}"
                    )
            super().papermill_execute_cells()

        def execute(self, **kwargs):
            try:
                return super().execute(**kwargs)
            finally:
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

    class PooledEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
            start_timeout=60, execution_timeout=None, input_path=None, audit_path=None, **kwargs,
        ):  # fmt: skip
            try:
                return PooledClient(
                    nb_man, kernel_name=kernel_name, timeout=execution_timeout,
                    startup_timeout=start_timeout, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, **kwargs,
                ).execute()  # fmt: skip
            except BaseException:
                # the kernel died or timed out: the audit copy shows how far the notebook got (a
                # cell's error papermill writes itself, with its marker, after the engine returns)
                if audit_path is not None:
                    write_ipynb(nb_man.nb, audit_path)
                raise

    papermill_engines.register("ankang-pooled", PooledEngine)
    return "ankang-pooled"


class KernelPool:
    """A stage runner (``runner(stage, build)``) that executes the stage notebooks in one started
    kernel per thread. Each thread keeps its kernel's event loop (nbclient's per-thread loop), so
    a kernel is only ever driven from the thread that started it."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._managers: list = []
        self._lock = threading.Lock()

    def __call__(self, stage: Stage, build: Path) -> None:
        import papermill
        from jupyter_core.utils import run_sync

        manager = getattr(self._local, "manager", None)
        if manager is not None and not run_sync(manager.is_alive)():
            self._discard(manager)
            manager = None
        new = manager is None
        if new:
            from jupyter_client.manager import AsyncKernelManager

            manager = AsyncKernelManager(kernel_name=KERNEL_NAME)
            # nbclient starts it (in this thread's loop, in papermill's cwd) on the first notebook
            self._local.manager = manager
            with self._lock:
                self._managers.append(manager)
        try:
            papermill.execute_notebook(
                str(NOTEBOOKS_DIR / stage.notebook),
                str(build / stage.notebook_out()),
                parameters=stage.parameters,
                cwd=str(PROJECT_ROOT),
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                # the audit copy written once, at the end (papermill would write it again after
                # every cell's start and end: 33 times a county notebook, 0.12 CPU-s in the runner)
                request_save_on_cell_execute=False,
                audit_path=str(build / stage.notebook_out()),
                extra_arguments=KERNEL_ARGUMENTS,
                engine_name=_engine_name(),
                km=manager,
                warm_up=new,
            )
        except BaseException:
            self._discard(manager)  # its state after a failure is not a fresh kernel's
            raise

    def _discard(self, manager) -> None:
        if getattr(self._local, "manager", None) is manager:
            self._local.manager = None
        with self._lock:
            if manager in self._managers:
                self._managers.remove(manager)
        _shut_down(manager)

    def close(self) -> None:
        """Shut every kernel down (at the end of the run)."""
        with self._lock:
            managers, self._managers = self._managers, []
        for manager in managers:
            _shut_down(manager)


def _shut_down(manager) -> None:
    from jupyter_core.utils import run_sync

    if manager.has_kernel:
        run_sync(manager.shutdown_kernel)(now=True)
