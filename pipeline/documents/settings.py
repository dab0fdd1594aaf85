"""``config/documents.yaml``: issuer, addressees, deadlines and the bounds of the review."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from pipeline import CONFIG_DIR
from pipeline.config.schema import _Strict
from pipeline.documents.yamlfile import load_validated

REVIEW_KINDS = ("督查", "职责", "加分", "扣分", "一票否决")


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


class ReviewBounds(_Strict):
    bounds: dict[str, tuple[float, float]]
    county_total: tuple[float, float]

    @model_validator(mode="after")
    def _every_kind_bounded(self) -> ReviewBounds:
        missing = set(REVIEW_KINDS) - set(self.bounds)
        if missing:
            raise ValueError(
                f"review.bounds 须为每类复核事项给出上下限，缺少：{'、'.join(sorted(missing))}"
            )
        for kind, (low, high) in {**self.bounds, "county_total": self.county_total}.items():
            if low > high:
                raise ValueError(f"review 的 {kind} 下限 {low:g} 大于上限 {high:g}")
        return self


class DocumentsConfig(_Strict):
    issuer: Issuer
    addressees: str
    copy_to: str
    basis: str
    rectification_days: int = Field(ge=1)
    objection: Objection
    interview: Interview
    review: ReviewBounds


@cache
def load_documents_config(config_dir: Path = CONFIG_DIR) -> DocumentsConfig:
    return load_validated(DocumentsConfig, config_dir / "documents.yaml")
