"""Optional people files beside the review: who a 约谈通知 is addressed to, and the 先进个人
nominated for the 表扬通报. Without them the documents carry placeholders (□□□)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, RootModel, field_validator

from pipeline.config.regions import resolve_region
from pipeline.config.schema import _Strict
from pipeline.config.yamlfile import load_validated
from pipeline.documents.content import Contact, Nominee


class _Contact(_Strict):
    主要负责人: str = ""
    分管负责人: str = ""


class _Contacts(RootModel[dict[str, _Contact]]):
    @field_validator("root")
    @classmethod
    def _known_regions(cls, value: dict[str, _Contact]) -> dict[str, _Contact]:
        resolved = {}
        for name, contact in value.items():
            try:
                resolved[resolve_region(name).code] = contact
            except (KeyError, ValueError) as error:
                raise ValueError(f"不认识的地区 {name!r}") from error
        return resolved


class _Nominee(_Strict):
    name: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    title: str = ""


class _Nominations(_Strict):
    nominees: tuple[_Nominee, ...] = ()


def contacts_path(review_dir: Path) -> Path:
    return review_dir / "contacts.yaml"


def nominations_path(review_dir: Path, year: int) -> Path:
    return review_dir / f"{year}-nominations.yaml"


def load_contacts(review_dir: Path) -> dict[str, Contact]:
    """Region code → Contact from ``contacts.yaml`` ({地区: {主要负责人: …, 分管负责人: …}})."""
    path = contacts_path(review_dir)
    if not path.exists():
        return {}
    contacts = load_validated(_Contacts, path).root
    return {code: Contact(c.主要负责人, c.分管负责人) for code, c in contacts.items()}


def load_nominees(review_dir: Path, year: int) -> list[Nominee]:
    path = nominations_path(review_dir, year)
    if not path.exists():
        return []
    return [Nominee(n.name, n.unit, n.title) for n in load_validated(_Nominations, path).nominees]
