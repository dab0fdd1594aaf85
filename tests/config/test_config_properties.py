"""Every configuration error names the file and the key (issue 18), stated as a property: random
edits of every YAML file of config/ — a value replaced by nonsense, a key deleted, doubled or
misspelt, a full-width colon, a broken indent, the file saved as GBK — either load (the edit is
valid) or raise ConfigError naming the file and the key or line. Never another exception.
Seeded: the same edits on every run."""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import CONFIG_DIR
from pipeline.config.departments import load_departments
from pipeline.config.schema import ConfigError
from pipeline.documents.settings import load_documents_config

sys.path.insert(0, str(Path(__file__).parent))
from test_config_errors import LOADERS as CONFIG_LOADERS  # noqa: E402

LOADERS = {
    **CONFIG_LOADERS,
    "departments.yaml": load_departments,
    "documents.yaml": load_documents_config,
}
NONSENSE = ["-1", "abc", "[]", "{}", "''", "null", "1e400", "2.5", "[1, 2]", "是"]
EDITS_PER_FILE = 12
_LINE_NUMBER = re.compile(r"第\s?\d+\s?行")


def _keys(text: str) -> list[tuple[str, int]]:
    """(key, 1-based line) of every mapping key whose value is a scalar on the same line."""
    found = []

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    isinstance(value, yaml.ScalarNode)
                    and value.start_mark.line == key.start_mark.line
                ):
                    found.append((str(key.value), key.start_mark.line + 1))
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text))
    return found


def _edit(text: str, rng: random.Random) -> tuple[str, str]:
    """One random edit of ``text`` and the key it touches ("" when it touches no one key)."""
    lines = text.splitlines(keepends=True)
    key, line = rng.choice(_keys(text))
    at = line - 1
    kind = rng.choice(
        ["value", "value", "value", "delete", "double", "misspell", "colon", "indent", "gbk"]
    )
    if kind == "value":
        head = lines[at].split(f"{key}:", 1)[0]
        lines[at] = f"{head}{key}: {rng.choice(NONSENSE)}\n"
    elif kind == "delete":
        del lines[at]
    elif kind == "double":
        lines.insert(at, lines[at])
    elif kind == "misspell":
        lines[at] = lines[at].replace(f"{key}:", f"{key}x:", 1)
    elif kind == "colon":
        lines[at] = lines[at].replace(f"{key}:", f"{key}：", 1)
    elif kind == "indent":
        lines[at] = "   " + lines[at]
    else:
        return text, "GBK"
    return "".join(lines), key


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_every_config_edit_loads_or_names_its_file_and_key(tmp_path, name):
    rng = random.Random(f"config-{name}")  # derandomised: the same edits every run
    shipped = (CONFIG_DIR / name).read_text(encoding="utf-8")
    for number in range(EDITS_PER_FILE):
        folder = tmp_path / f"edit{number}"
        shutil.copytree(CONFIG_DIR, folder)
        text, key = _edit(shipped, rng)
        data = text.encode("gbk", errors="replace") if key == "GBK" else text.encode("utf-8")
        (folder / name).write_bytes(data)
        try:
            LOADERS[name](folder)
        except ConfigError as error:
            message = str(error)
            assert name in message, (key, message)
            if key != "GBK":
                assert key in message or _LINE_NUMBER.search(message), (key, message)
        # any other exception fails the test with its traceback: the edit that caused it is
        # shown by pytest's locals (text, key)
