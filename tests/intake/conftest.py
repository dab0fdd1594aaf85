"""The intake corpus (tests/corpus/build_corpus.py), built and read once per session for the tests
that check each case (test_corpus.py) and the rules each case triggers (test_qa_rules.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "corpus"))
from build_corpus import build_all, read_all  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """The folder every case is built in (case name / year)."""
    root = tmp_path_factory.mktemp("corpus")
    build_all(root)
    return root


@pytest.fixture(scope="session")
def corpus_read(corpus) -> dict:
    """Case name → (tidy table, QA log), as the intake reads the case."""
    return read_all(corpus)
