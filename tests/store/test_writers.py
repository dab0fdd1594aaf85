"""No text cell the project writes is a formula (issue 18), for every writer: the property tests of
test_inert.py hold for write_csv and write_cell; this test holds the code to them — every CSV and
every workbook cell the package writes goes through pipeline/store/inert.py."""

from __future__ import annotations

import ast

from pipeline import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "pipeline"
INERT = "store/inert.py"
# Writes that bypass inert.py, each for a reason: not a project output, or no text from anyone.
ALLOWED = {
    # the benchmark's synthetic inputs (raw submissions and a reference panel it generates itself)
    ("tools/bench.py", "to_csv"),
    # a CSV string that is hashed (the documents' input fingerprint), never written to a file
    ("documents/inputs.py", "to_csv"),
}
CSV_WRITERS = {"to_csv", "to_excel", "writer", "DictWriter"}  # pandas, and the csv module's


def _calls(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr, node


def _cell_writes(path):
    """Assignments to a cell's value, to ``ws[…]`` or ``ws.append(…)`` in a module that builds a
    workbook: each would store a text beginning with = as a formula."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "value":
                yield node.lineno, ast.unparse(target)
            if isinstance(target, ast.Subscript):
                yield node.lineno, ast.unparse(target)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "append" and "ws" in ast.unparse(node.func.value).lower():
                yield node.lineno, ast.unparse(node.func)
            if node.func.attr == "cell" and any(k.arg == "value" for k in node.keywords):
                yield node.lineno, ast.unparse(node.func)


def test_every_csv_the_package_writes_goes_through_inert():
    offenders = [
        f"pipeline/{path.relative_to(PACKAGE)}:{call.lineno} {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(PACKAGE)) != INERT
        for name, call in _calls(path)
        if name in CSV_WRITERS and (str(path.relative_to(PACKAGE)), name) not in ALLOWED
    ]
    assert not offenders, "write CSV with pipeline.store.inert.write_csv: " + "; ".join(offenders)


def test_every_workbook_cell_the_package_writes_goes_through_write_cell():
    builders = [  # the modules that create a workbook
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(PACKAGE)) != INERT
        and "Workbook()" in path.read_text(encoding="utf-8")
    ]
    assert {str(p.relative_to(PACKAGE)) for p in builders} >= {
        "report/workbook/writer.py",
        "intake/forms.py",
    }
    offenders = [
        f"pipeline/{path.relative_to(PACKAGE)}:{line} {what}"
        for path in builders
        for line, what in _cell_writes(path)
    ]
    assert not offenders, "write cells with pipeline.store.inert.write_cell: " + "; ".join(
        offenders
    )
