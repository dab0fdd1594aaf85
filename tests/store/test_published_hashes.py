"""Every published file matches its recorded hash (issue 18), stated as a property on the
session's one end-to-end run (``published``): the fresh build verifies clean, every file reached
through the published links is one the manifest records, and random damage to random published
files — a byte changed, the file truncated, text appended, the file deleted — is found, exactly
those files and no others. Seeded: the same damage on every run."""

from __future__ import annotations

import json
import random
import shutil

from pipeline.runner.builds import CURRENT, Layout, verify_published
from pipeline.runner.fingerprint import MANIFEST

YEAR = 2024
ROUNDS = 6
# The one published folder the runner does not record yet: the executed notebooks, audit copies
# it rewrites on reuse (their parameters name the build). Left to the runner (pipeline/runner/).
NOT_RECORDED = ("report/notebooks/",)


def _recorded(build) -> dict[str, str]:
    stages = json.loads((build / MANIFEST).read_text(encoding="utf-8"))["stages"]
    return {
        name: sha for record in stages.values() for name, sha in record.get("outputs", {}).items()
    }


def _layout(root) -> Layout:
    return Layout(YEAR, root / "processed", root / "reports", root / "builds")


def test_every_published_file_is_recorded_and_matches_its_hash(published):
    root, _ = published
    layout = _layout(root)
    current = layout.current_build()
    assert current is not None and verify_published(layout) == []
    recorded = _recorded(current)
    for link, _ in layout.published_links():
        files = [p for p in link.resolve().rglob("*") if p.is_file()]
        assert files, link
        unrecorded = [
            str(p.relative_to(current))
            for p in files
            if str(p.relative_to(current)) not in recorded
            and not str(p.relative_to(current)).startswith(NOT_RECORDED)
        ]
        assert not unrecorded, unrecorded


def _damage(path, rng: random.Random) -> None:
    data = path.read_bytes()
    kind = rng.choice(["byte", "truncate", "append", "delete"])
    if kind == "delete":
        path.unlink()
    elif kind == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "append":
        path.write_bytes(data + b"\n")
    else:
        at = rng.randrange(len(data)) if data else 0
        path.write_bytes(data[:at] + bytes([(data[at] + 1) % 256 if data else 0]) + data[at + 1 :])


def test_random_damage_to_published_files_is_found_exactly(published, tmp_path):
    root, _ = published
    source = _layout(root).current_build()
    copy = tmp_path / "builds" / str(YEAR)
    shutil.copytree(source, copy / source.name, symlinks=True)
    (copy / CURRENT).symlink_to(source.name)
    layout = _layout(tmp_path)
    build = layout.current_build()
    assert build is not None and verify_published(layout) == []
    names = sorted(_recorded(build))
    rng = random.Random("published-hashes")
    for _ in range(ROUNDS):
        chosen = rng.sample(names, rng.randint(1, 3))
        kept = {name: (build / name).read_bytes() for name in chosen}
        for name in chosen:
            _damage(build / name, rng)
        assert sorted(verify_published(layout)) == sorted(str(build / n) for n in chosen)
        for name, data in kept.items():
            (build / name).write_bytes(data)
        assert verify_published(layout) == []
