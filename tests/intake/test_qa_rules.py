"""Each QA rule is declared once, with its levels and its one emitter, and has a corpus case that
triggers it (issue 16 item 7); the rule table of docs/intake.md is generated from both."""

import pytest

from pipeline.intake import qa
from pipeline.intake.qa import RULES, QaLog, Rule
from pipeline.tools.qa_rules import DOC, current_section, emissions, render, rule_hits

pytestmark = pytest.mark.xdist_group("corpus")  # with test_corpus.py: one reading of the corpus


@pytest.fixture(scope="module")
def hits(corpus_read) -> dict[str, set[str]]:
    return rule_hits({name: log for name, (_, log) in corpus_read.items()})


def test_every_rule_name_is_declared_once_in_rules():
    names = [value for key, value in vars(Rule).items() if key.isupper()]
    assert len(names) == len(set(names)) and set(names) == set(RULES)


def test_each_rule_is_added_by_its_one_emitter_only():
    direct, callers, dynamic = emissions()
    assert not dynamic, dynamic  # every add names its rule as Rule.X (or goes through an emitter)
    for spec in RULES.values():
        if spec.emitter.startswith("pipeline.intake.qa."):  # a shared rule: only its emitter adds
            emitter = getattr(qa, spec.emitter.rsplit(".", 1)[1])
            assert callable(emitter) and emitter.__name__ == spec.emitter.rsplit(".", 1)[1]
            assert not direct.get(spec.name), (spec.name, direct.get(spec.name))
            assert callers.get(spec.name), f"{spec.name}: {spec.emitter} is never called"
        else:
            assert direct.get(spec.name) == {spec.emitter}, (spec.name, direct.get(spec.name))
            assert not callers.get(spec.name), spec.name


def test_a_record_of_an_undeclared_level_is_refused():
    log = QaLog()
    qa.unit_conversion(log, qa.READ_STAGE, "PASS", "万人 → 人")
    with pytest.raises(ValueError, match="单位换算"):
        qa.unit_conversion(log, qa.READ_STAGE, "FAIL", "x")
    assert [r.status for r in log.records] == ["PASS"]


def test_every_rule_has_a_corpus_case_that_triggers_it(hits):
    uncovered = [name for name in RULES if not hits.get(name)]
    assert not uncovered, (
        f"没有语料案例触发这些规则（tests/corpus/build_corpus.py）：{'、'.join(uncovered)}"
    )


def test_the_rule_table_in_docs_intake_is_current(hits):
    committed = current_section(DOC.read_text(encoding="utf-8"))
    assert committed == render(hits), "regenerate: python -m pipeline.tools.qa_rules"
