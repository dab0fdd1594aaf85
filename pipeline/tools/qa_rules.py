"""Generate the QA rule table of docs/intake.md: each rule (pipeline.intake.qa.RULES) with its
levels, its one emitter, the functions that call that emitter, and the corpus cases that trigger
it — read from the code and from running the corpus, so the table cannot drift from either.

Run ``python -m pipeline.tools.qa_rules`` to rewrite the section between the markers of
docs/intake.md; a test checks the committed section is current."""

from __future__ import annotations

import ast
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from pipeline import PROJECT_ROOT
from pipeline.intake.qa import RULES, Rule

DOC = PROJECT_ROOT / "docs" / "intake.md"
BEGIN = "<!-- qa-rules:begin (python -m pipeline.tools.qa_rules) -->"
END = "<!-- qa-rules:end -->"
_QA = "pipeline.intake.qa."


def _functions(root: Path = PROJECT_ROOT / "pipeline"):
    """(dotted name of the enclosing function, call node) of every call in the package."""
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        stack: list[tuple[ast.AST, str]] = [(ast.parse(path.read_text(encoding="utf-8")), module)]
        while stack:
            node, name = stack.pop()
            for child in ast.iter_child_nodes(node):
                inner = name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    inner = f"{name}.{child.name}"
                if isinstance(child, ast.Call):
                    yield inner, child
                stack.append((child, inner))


def emissions() -> tuple[dict[str, set[str]], dict[str, set[str]], list[str]]:
    """From the code: the functions that add each rule directly (``log.add(Rule.X, …)``), the
    functions that call each shared emitter (``qa.blank_cell(…)``, or one passed in a
    HeaderError), and the places that add a rule not written as ``Rule.X``."""
    direct: dict[str, set[str]] = defaultdict(set)
    callers: dict[str, set[str]] = defaultdict(set)
    dynamic: list[str] = []
    names = {spec.emitter.removeprefix(_QA): spec.name for spec in RULES.values()}
    for function, call in _functions():
        target = call.func
        first = call.args[0] if call.args else None
        if isinstance(target, ast.Attribute) and target.attr == "add" and len(call.args) >= 4:
            if isinstance(first, ast.Attribute) and ast.unparse(first.value) == "Rule":
                direct[getattr(Rule, first.attr)].add(function)
            elif not function.startswith(f"{_QA}_emitter"):
                dynamic.append(f"{function}: {ast.unparse(call)[:60]}")
        if (
            isinstance(target, ast.Attribute)
            and ast.unparse(target.value) == "qa"
            and target.attr in names
        ):
            callers[names[target.attr]].add(function)
        for argument in call.args:  # an emitter handed on (HeaderError(qa.header_unit, …))
            if (
                isinstance(argument, ast.Attribute)
                and ast.unparse(argument.value) == "qa"
                and argument.attr in names
                and argument is not target
            ):
                callers[names[argument.attr]].add(function)
    return direct, callers, dynamic


def corpus_hits() -> dict[str, set[str]]:
    """Rule → the corpus cases (tests/corpus/build_corpus.py) whose reading adds a record of it."""
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "corpus"))
    from build_corpus import read_corpus

    with tempfile.TemporaryDirectory() as scratch:
        return rule_hits({name: log for name, (_, log) in read_corpus(Path(scratch)).items()})


def rule_hits(logs: dict) -> dict[str, set[str]]:
    """Rule → the cases whose QA log (case name → ``QaLog``) holds a record of it."""
    hits: dict[str, set[str]] = defaultdict(set)
    for name, log in logs.items():
        for record in log.records:
            hits[record.rule].add(name)
    return hits


def _short(name: str) -> str:
    return f"`{name.removeprefix('pipeline.')}`"


def render(hits: dict[str, set[str]], most: int = 3) -> str:
    """The Markdown section: one row a rule, in qa.RULES order."""
    _, callers, _ = emissions()
    lines = [
        BEGIN,
        "",
        "| 规则 | 级别 | 发出函数（唯一） | 调用它的函数 | 触发它的语料案例（tests/corpus/） |",
        "|---|---|---|---|---|",
    ]
    for spec in RULES.values():
        cases = sorted(hits.get(spec.name, ()))
        shown = "、".join(f"`{c}`" for c in cases[:most])
        more = f" 等 {len(cases)} 个" if len(cases) > most else ""
        called = "、".join(_short(f) for f in sorted(callers.get(spec.name, ()))) or "—"
        lines.append(
            f"| {spec.name} | {'/'.join(spec.levels)} | {_short(spec.emitter)} | {called} "
            f"| {shown or '（无）'}{more} |"
        )
    return "\n".join([*lines, "", END])


def current_section(text: str) -> str:
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text.replace(current_section(text), render(corpus_hits())), encoding="utf-8")
    print(f"{DOC} 已更新：{len(RULES)} 条规则")


if __name__ == "__main__":
    main()
