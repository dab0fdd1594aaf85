"""A stage pointed at a published build refuses to rewrite it (issue 13.11): a notebook run by
hand with ``processed_dir`` set to ``data/processed`` (a link into the current build) or a
``report_dir`` in ``reports/<year>`` stops with a plain Chinese message; the runner's own build,
which has no COMPLETE marker until every stage ran, is written as usual."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.stages import registry
from pipeline.store.catalog import COMPLETE, PublishedBuildError, refuse_published

YEAR = 2024


def _complete_build(root: Path, marked: bool) -> Path:
    """``root/builds/2024/r1/processed/2024`` reached through ``root/processed/2024``."""
    build = root / "builds" / str(YEAR) / "r1"
    (build / "processed" / str(YEAR)).mkdir(parents=True)
    if marked:
        (build / COMPLETE).write_text("r1", encoding="utf-8")
    (root / "processed").mkdir()
    (root / "processed" / str(YEAR)).symlink_to(build / "processed" / str(YEAR))
    return build


def test_a_complete_build_is_refused_through_its_link_and_directly(tmp_path):
    build = _complete_build(tmp_path, marked=True)
    for folder in (tmp_path / "processed" / str(YEAR), build / "processed" / str(YEAR) / "regions"):
        with pytest.raises(PublishedBuildError) as error:
            refuse_published(folder)
        message = str(error.value)
        assert "已发布的构建" in message and str(build.resolve()) in message
        assert "草稿文件夹" in message and "make report" in message


def test_a_build_in_progress_and_a_scratch_folder_are_written(tmp_path):
    _complete_build(tmp_path, marked=False)  # the runner's build before its last step
    refuse_published(tmp_path / "processed" / str(YEAR))
    refuse_published(tmp_path / "scratch" / str(YEAR))  # not there yet


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_every_stage_refuses_the_published_build_and_leaves_it_as_it_was(published, tmp_path):
    root, report = published
    before = _hashes(root / "builds")
    options = {
        "raw_dir": tmp_path / "raw", "processed_dir": root / "processed", "report_dir": report,
        "year": YEAR, "review_dir": tmp_path / "review", "use_quarto": False,
        "accept_changes": False,
    }  # fmt: skip
    for spec in registry.STAGES:
        code = spec.instances()[0]
        with pytest.raises(PublishedBuildError, match="阶段不会改写已发布的文件"):
            registry.call(spec, options | {"region_code": code})
    assert _hashes(root / "builds") == before
