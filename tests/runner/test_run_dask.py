"""The same runner on a Dask distributed cluster: a LocalCluster of two worker processes, and a
scheduler with two workers started from the command line as on two machines, each in a working
folder and with a scratch disk of its own, one of them killed mid-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_stages import shipped_runner

from pipeline import RAW_DIR
from pipeline.runner.run import RunOptions, run_year

distributed = pytest.importorskip("distributed")
HERE = Path(__file__).parent


def _options(tmp_path: Path, scheduler: str) -> RunOptions:
    return RunOptions(
        2024, RAW_DIR, use_quarto=False, progress=False,
        processed_root=tmp_path / "processed", reports_root=tmp_path / "reports",
        builds_root=tmp_path / "builds", scheduler=scheduler, runner=shipped_runner,
    )  # fmt: skip


def _records(tmp_path: Path) -> dict[str, dict]:
    build = (tmp_path / "reports" / "2024").resolve().parent
    return json.loads((build / "stages.json").read_text(encoding="utf-8"))["stages"]


def test_stages_run_on_the_cluster_workers_and_publish_as_usual(tmp_path):
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, worker_dashboard_address=None,
    ) as cluster:  # fmt: skip
        with distributed.Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
            addresses = [cluster.scheduler_address, *client.scheduler_info()["workers"]]
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        result = run_year(_options(tmp_path, cluster.scheduler_address))
    assert result.changed and len(result.ran) == 16
    ran_by = {int(r["worker"].rsplit(":", 1)[1]) for r in _records(tmp_path).values()}
    assert ran_by <= worker_pids and os.getpid() not in ran_by
    city = (tmp_path / "processed" / "2024" / "assessment.csv").read_text()
    assert city.startswith("same city")
    # the city read the counties' outputs, which came back from the workers and went out again
    assert "processed/2024/regions/610902/assessment.csv:" in city


def _start(command: list[str], folder: Path, env: dict[str, str]) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "log.txt").open("w")
    return subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_workers_with_disks_of_their_own_and_one_killed_mid_run(tmp_path):
    """No folder of the run is shared: each worker works in its own folder with its own TMPDIR;
    the stages' inputs travel with the tasks and the outputs come back. Worker A kills itself
    (SIGKILL, no nanny to restart it) half-way through the first county's stage it is given; the
    scheduler gives that stage to worker B and the run publishes a complete year."""
    dask = Path(sys.executable).with_name("dask")
    scheduler_file = tmp_path / "scheduler.json"
    base = os.environ | {"PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    processes = [
        _start(
            [
                str(dask),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(scheduler_file),
            ],
            tmp_path / "scheduler",
            base,
        )  # fmt: skip
    ]
    try:
        for _ in range(300):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for name, extra in (("a", {"FAKE_KILL_AT": "stage:county-*"}), ("b", {})):
            scratch = tmp_path / f"worker-{name}" / "scratch"
            scratch.mkdir(parents=True)
            processes.append(
                _start(
                    [
                        str(dask),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--host",
                        "127.0.0.1",
                        "--dashboard-address",
                        "127.0.0.1:0",
                        "--local-directory",
                        str(scratch),
                    ],
                    tmp_path / f"worker-{name}",
                    base | extra | {"TMPDIR": str(scratch)},
                )  # fmt: skip
            )
        with distributed.Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        result = run_year(_options(tmp_path, address))
        assert processes[1].wait(timeout=10) == -9  # worker A died in a county's stage
    finally:
        for process in processes:
            process.kill()
            process.wait()
    assert result.changed and len(result.ran) == 16
    ran_by = {int(r["worker"].rsplit(":", 1)[1]) for r in _records(tmp_path).values()}
    assert processes[2].pid in ran_by and ran_by <= {processes[1].pid, processes[2].pid}
    # each stage ran in a scratch folder of its worker's own disk (TMPDIR), removed after it; only
    # the stage worker A died in left its folder there
    left = {n: list((tmp_path / f"worker-{n}" / "scratch").glob("ankang-stage-*")) for n in "ab"}
    assert len(left["a"]) == 1 and left["b"] == [], left
    city = (tmp_path / "processed" / "2024" / "assessment.csv").read_text()
    assert city.startswith("same city")
    assert "processed/2024/regions/610902/assessment.csv:" in city
