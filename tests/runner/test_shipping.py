"""A stage packed with its inputs, run in a scratch folder as on a Dask worker with a disk of its
own, and its outputs written back (pipeline/runner/shipping.py), without a cluster."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline import PROJECT_ROOT
from pipeline.runner.fingerprint import Stage, code_sha
from pipeline.runner.shipping import WorkerMismatch, pack, run_shipped, unpack


def _stage(tmp_path: Path, **changes) -> tuple[Stage, Path]:
    build, raw, review = tmp_path / "build", tmp_path / "raw", tmp_path / "review"
    (build / "processed" / "2024").mkdir(parents=True)
    (build / "processed" / "2024" / "tidy.csv").write_text("tidy", encoding="utf-8")
    (build / "processed" / "2024" / "other.csv").write_text("not read", encoding="utf-8")
    (raw / "2024").mkdir(parents=True)
    (raw / "2024" / "报表.xlsx").write_bytes(b"xlsx")
    review.mkdir()
    (review / "2024.yaml").write_text("review", encoding="utf-8")
    stage = Stage(
        "county-610902", "汉滨区 县区阶段", "20_county.ipynb",
        {"year": 2024, "processed_dir": str(build / "processed"), "raw_dir": str(raw),
         "review_dir": str(review)},
        deps=("year",), outputs=("processed/2024/regions/610902/assessment.csv",),
        static_inputs=(str(raw / "2024"), str(review / "2024.yaml"),
                       str(PROJECT_ROOT / "data" / "reference")),
        reads=("processed/2024/tidy.csv",),
    )  # fmt: skip
    return dataclasses.replace(stage, **changes), build


def seen_runner(stage: Stage, build: Path) -> None:
    """Writes what it finds through the stage's own folders, and a notebook naming the build."""
    processed, raw, review = (
        Path(stage.parameters[k]) for k in ("processed_dir", "raw_dir", "review_dir")
    )
    found = [
        (processed / "2024" / "tidy.csv").read_text(encoding="utf-8"),
        (raw / "2024" / "报表.xlsx").read_bytes().decode(),
        (review / "2024.yaml").read_text(encoding="utf-8"),
        str((processed / "2024" / "other.csv").exists()),
    ]
    out = processed / "2024" / "regions" / "610902" / "assessment.csv"
    out.parent.mkdir(parents=True)
    out.write_text(" ".join(found), encoding="utf-8")
    notebook = build / stage.notebook_out()  # into an existing folder only, as papermill writes
    assert notebook.parent.is_dir()
    notebook.write_text(f'{{"processed_dir": "{processed}"}}', encoding="utf-8")


def test_a_stage_reads_only_what_was_sent_and_its_outputs_come_back(tmp_path):
    stage, build = _stage(tmp_path)
    upstream = {"year": {"processed/2024/tidy.csv": "x", "processed/2024/other.csv": "y"}}
    shipment = pack(stage, build, upstream, code_sha())
    assert set(shipment.files) == {
        "build/processed/2024/tidy.csv", "raw/2024/报表.xlsx", "review/2024.yaml",
    }  # fmt: skip
    assert set(shipment.project_files) == {"data/reference"}
    returned = run_shipped(seen_runner, shipment)
    assert str(build) not in returned.scratch
    back = tmp_path / "back"
    unpack(returned, back)
    assessment = back / "processed/2024/regions/610902/assessment.csv"
    assert assessment.read_text(encoding="utf-8") == "tidy xlsx review False"
    notebook = (back / stage.notebook_out()).read_text(encoding="utf-8")
    assert notebook == f'{{"processed_dir": "{back}/processed"}}'  # the build's, not the scratch's


def test_a_worker_with_other_code_or_reference_data_refuses(tmp_path):
    stage, build = _stage(tmp_path)
    shipment = pack(stage, build, {}, "another version")
    with pytest.raises(WorkerMismatch, match="代码、配置或依赖"):
        run_shipped(seen_runner, shipment)
    shipment = dataclasses.replace(
        pack(stage, build, {}, code_sha()), project_files={"data/reference": "changed"}
    )
    with pytest.raises(WorkerMismatch, match="data/reference"):
        run_shipped(seen_runner, shipment)


def test_a_file_outside_the_project_and_the_run_folders_is_refused_by_name(tmp_path):
    elsewhere = tmp_path / "units" / "results.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text("x", encoding="utf-8")
    stage, build = _stage(tmp_path)
    stage = dataclasses.replace(stage, static_inputs=(*stage.static_inputs, str(elsewhere)))
    with pytest.raises(WorkerMismatch, match="results.csv"):
        pack(stage, build, {}, code_sha())
