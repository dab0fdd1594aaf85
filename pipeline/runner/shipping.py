"""Stages on Dask workers that share no disk with this machine (issue 17, item 3).

With ``--scheduler`` a stage does not run on this machine's folders: its inputs travel to the
worker with the task, and its outputs come back with the result.

- :func:`pack` (here) gathers what the stage reads: the upstream outputs it declares (from the
  build folder), and every file of the raw and review folders its key covers (the year's
  submissions, the review file, the contacts). Files of the project itself (data/reference,
  docs/backtest) are not sent: the worker has its own copy of the project, and :func:`run_shipped`
  refuses to run when the worker's code, configuration or those files differ from this machine's.
- :func:`run_shipped` (on the worker) writes the inputs into a scratch folder of its own, runs the
  stage there with the stage's folders pointed at it, and returns every declared output and the
  executed notebook, as bytes.
- :func:`unpack` (here) writes them into the build folder, with the worker's scratch folder in the
  executed notebook replaced by the build folder, as for a reused stage.

So a worker never reads or writes a path of this machine, and the runner's check that a stage
wrote everything it declares (``MissingOutputs``) applies to what came back.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline import PROJECT_ROOT
from pipeline.runner.builds import prepare
from pipeline.runner.fingerprint import Stage, code_sha, files_under, tree_sha

BUILD, RAW, REVIEW = "build", "raw", "review"  # the shipment's folders on the worker
# The stage parameters that name a folder, and which shipment folder stands for each.
_FOLDERS = {"processed_dir": BUILD, "report_dir": BUILD, "raw_dir": RAW, "review_dir": REVIEW}


class WorkerMismatch(RuntimeError):
    """The worker's copy of the project differs from this machine's: its results would not be
    the ones this run's fingerprints describe."""


@dataclass(frozen=True)
class Shipment:
    """One stage with everything it reads, as it travels to a worker."""

    stage: Stage
    build: str  # this machine's build folder (the parameters are rewritten from it)
    roots: dict[str, str]  # shipment folder → this machine's folder (raw, review)
    files: dict[str, bytes]  # "build/processed/2024/tidy.csv", "raw/2024/….xlsx" → content
    code: str  # this machine's code_sha()
    project_files: dict[str, str]  # project-relative path → its tree_sha here


@dataclass(frozen=True)
class Returned:
    """What a worker sends back: the outputs (paths relative to the build) and who ran it."""

    files: dict[str, bytes]
    worker: str  # "host:pid"
    scratch: str  # the worker's build folder, replaced by this machine's in the notebook


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def pack(stage: Stage, build: Path, upstream: dict[str, dict[str, str]], code: str) -> Shipment:
    """The stage and its inputs: ``upstream`` is each dependency's outputs (relative path → sha),
    of which the stage's declared reads are sent."""
    files = {
        f"{BUILD}/{name}": (build / name).read_bytes() for name in stage.upstream_read(upstream)
    }
    roots: dict[str, str] = {}
    for parameter, folder in _FOLDERS.items():
        if folder != BUILD and parameter in stage.parameters:
            roots[folder] = str(Path(stage.parameters[parameter]).resolve())
    project_files: dict[str, str] = {}
    for static in (Path(s).resolve() for s in stage.static_inputs):
        home = next((f for f, root in roots.items() if _under(static, Path(root))), None)
        if home is not None:
            for path in files_under(static):
                files[f"{home}/{path.relative_to(roots[home])}"] = path.read_bytes()
        elif _under(static, PROJECT_ROOT.resolve()):
            project_files[str(static.relative_to(PROJECT_ROOT.resolve()))] = tree_sha([static])
        elif next(files_under(static), None) is not None:
            raise WorkerMismatch(
                f"{stage.label} 读取本机项目以外的文件 {static}，无法发送给 Dask 计算节点；"
                "请不用 --scheduler 在本机运行这一年"
            )
    return Shipment(stage, str(build), roots, files, code, project_files)


def _check_worker(shipment: Shipment) -> None:
    if code_sha() != shipment.code:
        raise WorkerMismatch(
            f"计算节点 {socket.gethostname()} 的代码、配置或依赖（pipeline/、config/、"
            "requirements.lock）与发起运行的机器不同：请在该节点检出同一版本"
        )
    for relative, sha in shipment.project_files.items():
        if tree_sha([PROJECT_ROOT / relative]) != sha:
            raise WorkerMismatch(
                f"计算节点 {socket.gethostname()} 的 {relative} 与发起运行的机器不同：请同步后再运行"
            )


def run_shipped(runner, shipment: Shipment) -> Returned:
    """On the worker: the stage run in a scratch folder of this worker's own, its outputs returned."""
    _check_worker(shipment)
    with tempfile.TemporaryDirectory(prefix="ankang-stage-") as scratch:
        root = Path(scratch)
        for name, content in shipment.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for folder in (RAW, REVIEW):
            (root / folder).mkdir(exist_ok=True)
        build = root / BUILD
        prepare(build)
        stage = shipment.stage
        parameters = dict(stage.parameters)
        for parameter, folder in _FOLDERS.items():
            if parameter in parameters:
                client_root = shipment.build if folder == BUILD else shipment.roots[folder]
                parameters[parameter] = parameters[parameter].replace(
                    client_root, str(root / folder), 1
                )
        runner(dataclasses.replace(stage, parameters=parameters), build)
        returned = {
            str(path.relative_to(build)): path.read_bytes()
            for entry in (*stage.outputs, stage.notebook_out())
            for path in files_under(build / entry)
        }
    return Returned(returned, f"{socket.gethostname()}:{os.getpid()}", str(build))


def unpack(returned: Returned, build: Path) -> None:
    """The worker's outputs written into the build folder; the executed notebook names the build
    folder, not the worker's scratch folder."""
    for name, content in returned.files.items():
        path = build / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            content = content.replace(returned.scratch.encode(), str(build).encode())
        path.write_bytes(content)
