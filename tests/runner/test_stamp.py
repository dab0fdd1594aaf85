"""The run stamp (pipeline/runner/stamp.py) and the town run's no-op that uses it: the runner writes
it after a run that published or found nothing changed; it is fresh only while the key, the
published build and files, and every input are as they were; the town run starts no process for a
fresh one and the real process for any other. Runs with the stand-in stages (fast)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fake_stages import fake_runner

from pipeline import RAW_DIR
from pipeline.config import units as unit_config
from pipeline.config.units import OUTPUT_ROOT_ENV
from pipeline.intake import submission_format
from pipeline.runner import stamp, units
from pipeline.runner.builds import Layout
from pipeline.runner.run import RunFailed, RunOptions, run_year

YEAR = 2024
KEY = "key-of-the-command"


@pytest.fixture()
def review(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    folder.mkdir()
    (folder / f"{YEAR}.yaml").write_text(f"year: {YEAR}\n", encoding="utf-8")
    return folder


def _run(root: Path, raw: Path = RAW_DIR, review: Path | None = None, **kwargs):
    options = {"runner": fake_runner, "stamp_key": KEY, **kwargs}
    options |= {"review_dir": review} if review else {}
    return run_year(
        RunOptions(
            YEAR, raw, workers=2, use_quarto=False, progress=False,
            processed_root=root / "processed", reports_root=root / "reports",
            builds_root=root / "builds", **options,
        )
    )  # fmt: skip


def _layout(root: Path) -> Layout:
    return Layout(YEAR, root / "processed", root / "reports", root / "builds")


def _submission(raw: Path) -> Path:
    return raw / str(YEAR) / submission_format.file_name(YEAR)


def test_the_key_names_the_command_and_its_environment_not_where_it_reports():
    command = ["python", "-m", "pipeline", "report", "--year=2024", "--quiet"]
    env = {"PATH": "/usr/bin", "HOME": "/root", "ANKANG_CONFIG_DIR": "/c"}
    key = stamp.command_key(command, env)
    assert stamp.command_key([*command, "--summary=/tmp/x.json", "--force"], env) == key
    assert stamp.command_key(command, {**env, "HOME": "/home/a", "TERM": "xterm"}) == key
    assert stamp.command_key([*command, "--no-quarto"], env) != key
    assert stamp.command_key(["python", "-m", "pipeline", "report", "--year=2025"], env) != key
    assert stamp.command_key(command, {**env, "ANKANG_CONFIG_DIR": "/d"}) != key
    assert stamp.command_key(command, {**env, "PATH": "/opt/quarto/bin:/usr/bin"}) != key


def test_a_published_run_and_a_no_op_write_the_stamp_and_it_is_fresh(tmp_path, raw_copy, review):
    assert _run(tmp_path, raw_copy, review).changed
    assert stamp.fresh(_layout(tmp_path), KEY)
    assert not stamp.fresh(_layout(tmp_path), "another command")
    stamp.path_of(_layout(tmp_path)).unlink()
    assert not stamp.fresh(_layout(tmp_path), KEY)
    assert not _run(tmp_path, raw_copy, review).changed  # the no-op writes it again
    assert stamp.fresh(_layout(tmp_path), KEY)
    recorded = stamp.path_of(_layout(tmp_path)).read_text(encoding="utf-8")
    assert str(raw_copy) in recorded and str(review) in recorded


def test_a_raw_file_a_review_file_or_the_code_that_changes_makes_it_stale(
    tmp_path, raw_copy, review, monkeypatch
):
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(stamp, "code_roots", lambda: [code])
    _run(tmp_path, raw_copy, review)
    layout = _layout(tmp_path)
    for path, edit in (
        (_submission(raw_copy), b"\0"),
        (
            raw_copy / "README.md",
            "\n一处修改\n".encode(),
        ),  # not read by the stages: stale all the same
        (review / f"{YEAR}.yaml", "# 复核\n".encode()),
        (code / "module.py", b"y = 2\n"),
    ):
        original = path.read_bytes()
        path.write_bytes(original + edit)
        assert not stamp.fresh(layout, KEY), path
        path.write_bytes(original)
        assert stamp.fresh(layout, KEY), path
    (raw_copy / str(YEAR) / "补报.xlsx").write_bytes(b"new")  # a new file in a read folder
    assert not stamp.fresh(layout, KEY)


def test_an_altered_or_deleted_published_file_or_link_is_never_hidden_by_the_stamp(
    tmp_path, raw_copy
):
    _run(tmp_path, raw_copy)
    layout = _layout(tmp_path)
    published = tmp_path / "processed" / str(YEAR) / "regions" / "610902" / "paths.npz"
    original = published.read_bytes()
    published.write_bytes(b"")
    assert not stamp.fresh(layout, KEY)
    published.unlink()
    assert not stamp.fresh(layout, KEY)
    published.write_bytes(original)
    assert stamp.fresh(layout, KEY)
    link = tmp_path / "reports" / str(YEAR)
    target = link.readlink()
    link.unlink()
    assert not stamp.fresh(layout, KEY)
    link.symlink_to(target)
    assert stamp.fresh(layout, KEY)
    manifest = layout.current_build() / "stages.json"
    manifest.write_text(manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not stamp.fresh(layout, KEY)


def test_an_input_edited_while_the_run_reads_it_leaves_the_stamp_stale(tmp_path, raw_copy):
    """The digest is taken before the stages read their inputs: the run built from the old
    submission or the new one, so the stamp must not vouch for the new one."""

    def editing_runner(stage, build):
        if stage.id == "year":
            with _submission(raw_copy).open("ab") as handle:
                handle.write(b"\0")
        fake_runner(stage, build)

    _run(tmp_path, raw_copy, runner=editing_runner)
    assert not stamp.fresh(_layout(tmp_path), KEY)


def test_a_run_that_fails_leaves_no_stamp_and_the_year_lock_held_means_stale(
    tmp_path, raw_copy, monkeypatch
):
    from pipeline.runner.builds import year_lock

    _run(tmp_path, raw_copy)
    layout = _layout(tmp_path)
    with year_lock(layout):  # another run is at work on the year
        assert not stamp.fresh(layout, KEY)
    monkeypatch.setenv("FAKE_FAIL", "city")
    with pytest.raises(RunFailed):
        _run(tmp_path, raw_copy, force=True)
    assert not stamp.path_of(layout).exists() and not stamp.fresh(layout, KEY)


def test_a_unit_configuration_is_made_again_only_when_a_source_or_its_files_change(
    tmp_path, monkeypatch
):
    config = tmp_path / "config"
    shutil.copytree(unit_config.CITY_CONFIG_DIR, config)
    monkeypatch.setattr(unit_config, "CITY_CONFIG_DIR", config)
    monkeypatch.setattr(unit_config, "UNITS_CONFIG_DIR", config / "units")
    out = tmp_path / "unit"
    unit_config.materialise("610921", out, None)
    assert unit_config.is_materialised("610921", out, None)
    made = (out / "targets.yaml").stat().st_mtime_ns
    unit_config.materialise("610921", out, None)  # nothing to do
    assert (out / "targets.yaml").stat().st_mtime_ns == made
    assert not unit_config.is_materialised("610921", out, RAW_DIR)  # other sources
    with (out / "targets.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# 手工修改\n")
    assert not unit_config.is_materialised("610921", out, None)
    unit_config.materialise("610921", out, None)
    assert "手工修改" not in (out / "targets.yaml").read_text(encoding="utf-8")
    unit_file = config / "units" / "610921" / "unit.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8") + "\n# 修改\n", encoding="utf-8")
    assert not unit_config.is_materialised("610921", out, None)


def test_the_town_run_starts_no_process_for_a_fresh_stamp_and_the_real_one_otherwise(
    tmp_path, monkeypatch
):
    """The city's own stamp, written by a (stand-in) run of exactly the command the town run
    starts: the next town run does not start it; after an edit of a published file it does."""
    monkeypatch.setenv(OUTPUT_ROOT_ENV, str(tmp_path))
    monkeypatch.setattr(units, "configured_units", lambda: ())
    started = []

    def run_one(code, name, command, env):
        started.append(command)
        key = next(a for a in command if a.startswith("--stamp=")).removeprefix("--stamp=")
        result = _run(tmp_path, stamp_key=key)
        return units.Outcome(code, name, "published" if result.changed else "unchanged", 1, 0, 1)

    monkeypatch.setattr(units, "run_one", run_one)
    assert units.run_towns(YEAR, jobs=2, progress=False)[-1].status == "published"
    assert len(started) == 1
    for _ in range(2):
        (city,) = units.run_towns(YEAR, jobs=2, progress=False)
        assert (city.status, city.ran, city.reused) == ("unchanged", 0, 0) and len(started) == 1
    (tmp_path / "reports" / str(YEAR) / "annual-assessment-2024.html").write_text("改过")
    assert units.run_towns(YEAR, jobs=2, progress=False)[-1].status == "published"
    assert len(started) == 2
    units.run_towns(YEAR, jobs=2, force=True, progress=False)  # --force never skips
    assert len(started) == 3


def test_a_fresh_unit_is_not_materialised_nor_started_the_others_are(monkeypatch):
    fresh_units = {"610902", "610921"}
    materialised, started = [], []
    monkeypatch.setattr(units, "is_materialised", lambda code, out: True)
    monkeypatch.setattr(units, "materialise", lambda code, out: materialised.append(code))
    monkeypatch.setattr(stamp, "fresh", lambda layout, key: layout.builds_root.name in fresh_units)

    def run_one(code, name, command, env):
        started.append(code)
        return units.Outcome(code, name, "published", 3, 0, 1.0)

    monkeypatch.setattr(units, "run_one", run_one)
    outcomes = {o.code: o for o in units.run_towns(YEAR, jobs=2, progress=False)}
    others = set(unit_config.configured_units()) - fresh_units
    assert set(started) == others | {"610900"} and set(materialised) == others
    assert all(outcomes[c].status == "unchanged" for c in fresh_units)
    assert all(outcomes[c].status == "published" for c in others)
