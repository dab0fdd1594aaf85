"""The same runner on a Dask distributed cluster (a LocalCluster of two worker processes)."""

from __future__ import annotations

import os

import pytest
from fake_stages import pid_runner

from pipeline import RAW_DIR
from pipeline.runner.run import RunOptions, run_year

distributed = pytest.importorskip("distributed")


def test_stages_run_on_the_cluster_workers_and_publish_as_usual(tmp_path):
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, worker_dashboard_address=None,
    ) as cluster:  # fmt: skip
        with distributed.Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
            addresses = [cluster.scheduler_address, *client.scheduler_info()["workers"]]
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        result = run_year(
            RunOptions(
                2024, RAW_DIR, use_quarto=False, progress=False,
                processed_root=tmp_path / "processed", reports_root=tmp_path / "reports",
                builds_root=tmp_path / "builds", scheduler=cluster.scheduler_address,
                runner=pid_runner,
            )
        )  # fmt: skip
    assert result.changed and len(result.ran) == 16
    build = (tmp_path / "reports" / "2024").resolve().parent
    pids = {int(p.read_text()) for p in (build / "pids").iterdir()}
    assert pids <= worker_pids and os.getpid() not in pids
    assert (tmp_path / "processed" / "2024" / "assessment.csv").read_text() == "same city"
