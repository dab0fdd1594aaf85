"""``config/documents.yaml``: issuer, addressees, deadlines, the objection rule."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field

from pipeline import CONFIG_DIR
from pipeline.config.schema import _Strict
from pipeline.config.yamlfile import load_validated


class Issuer(_Strict):
    name: str
    mark: str
    document_number_placeholder: str
    date_placeholder: str
    office: str


class Objection(_Strict):
    channel: str
    working_days: int = Field(ge=1)


class Interview(_Strict):
    convener: str


class DocumentsConfig(_Strict):
    issuer: Issuer
    addressees: str
    copy_to: str
    basis: str
    rectification_days: int = Field(ge=1)
    objection: Objection
    interview: Interview


@cache
def load_documents_config(config_dir: Path = CONFIG_DIR) -> DocumentsConfig:
    return load_validated(DocumentsConfig, config_dir / "documents.yaml")
