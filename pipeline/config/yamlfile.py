"""A YAML file an official edits, validated by a pydantic model, with errors in plain Chinese that
name the file, the line and the key (``entries[2].points``) of every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config.schema import ConfigError, _load_yaml, _text

M = TypeVar("M", bound=BaseModel)

# pydantic's error types, said in Chinese (the rest fall back to pydantic's own message).
_MESSAGES = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的键（请检查拼写）",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "string_type": "应为文字",
    "date_parsing": "应为日期，如 2025-03-01",
    "date_from_datetime_parsing": "应为日期，如 2025-03-01",
    "date_type": "应为日期，如 2025-03-01",
    "list_type": "应为列表（每项以“- ”开头）",
    "dict_type": "应为键值对",
    "model_type": "应为键值对",
}


def _lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """The 1-based line of every key path in a YAML document."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)  # a key's own line, not its value's
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out[child] = key.start_mark.line + 1
            _lines(value, child, out) if not isinstance(value, yaml.ScalarNode) else None
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), out)
    return out


def key_text(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "（整个文件）"


def _key_and_message(error: dict) -> tuple[tuple, str]:
    """A model validator may name the key it is about by starting its message with '@key '."""
    location = tuple(
        p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
    )
    message = _message(error)
    if message.startswith("@"):
        key, _, message = message[1:].partition(" ")
        location = (*location, key)
    return location, message


def _message(error: dict) -> str:
    if error["type"] == "literal_error":
        return f"应为以下之一：{error['ctx']['expected']}（收到 {error['input']!r}）"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    base = _MESSAGES.get(error["type"], error["msg"])
    return (
        base
        if error["type"] in ("missing", "extra_forbidden")
        else f"{base}（收到 {error['input']!r}）"
    )


def load_validated(model: type[M], path: Path, context: dict | None = None) -> M:
    """Read ``path`` and validate it as ``model``; every error names file, line and key."""
    # one reader of every YAML file: its encoding, full-width colons, duplicated keys and syntax
    # errors are refused in words naming the line (pipeline.config.schema)
    data = _load_yaml(path)
    node = yaml.compose(_text(path))
    lines = _lines(node) if node is not None else {}
    try:
        return model.model_validate(data or {}, context=context)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location, message = _key_and_message(item)
            probe = location
            while probe and probe not in lines:  # a missing key: the line of its parent
                probe = probe[:-1]
            problems.append(
                f"- {path} 第 {lines.get(probe, 1)} 行，键 {key_text(location)}：{message}"
            )
        raise ConfigError(f"{path} 有 {len(problems)} 处错误：\n" + "\n".join(problems)) from error
