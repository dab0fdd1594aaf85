"""The employment leading group's member departments and their yearly task lists (第十七、十八、
十九条): ``config/departments.yaml``, validated on load. A SAMPLE registry until the city issues
the real lists (``status: sample``, said wherever it appears)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline import CONFIG_DIR
from pipeline.config.schema import _Strict, _validated

DEPARTMENTS_FILE = "departments.yaml"
QUALITATIVE_STATUSES = ("完成", "部分完成", "未完成")


class DepartmentTask(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    kind: Literal["quantitative", "qualitative"]
    unit: str = ""
    target: float | None = Field(default=None, gt=0)
    weight: float = Field(gt=0)

    @model_validator(mode="after")
    def _quantitative_has_a_target(self) -> DepartmentTask:
        if self.kind == "quantitative" and (self.target is None or not self.unit):
            raise ValueError(f"定量任务“{self.name}”须有 target（年度目标任务）和 unit（计量单位）")
        if self.kind == "qualitative" and self.target is not None:
            raise ValueError(f"定性任务“{self.name}”没有数量目标，不应填写 target")
        return self


class Department(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    tasks: tuple[DepartmentTask, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_and_names(self) -> Department:
        total = sum(t.weight for t in self.tasks)
        if abs(total - 100) > 1e-9:
            raise ValueError(f"{self.name}的任务分值合计为 {total:g}，应为 100")
        for attribute in ("id", "name"):
            values = [getattr(t, attribute) for t in self.tasks]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"{self.name}的任务 {attribute} 重复：{'、'.join(repeated)}")
        return self


class DepartmentsConfig(_Strict):
    status: Literal["sample", "issued"]
    document: str = ""
    partial_share: float = Field(ge=0, le=1)
    departments: tuple[Department, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_departments(self) -> DepartmentsConfig:
        keys = [k for d in self.departments for k in {d.id, d.name, d.short_name}]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"成员单位的 id、名称或简称重复：{'、'.join(repeated)}")
        if self.status == "issued" and not self.document:
            raise ValueError("status 为 issued 时须填写 document（任务清单的文号）")
        return self

    @property
    def is_sample(self) -> bool:
        return self.status == "sample"

    def find(self, name: str) -> Department | None:
        """A department by its id, full name or short name."""
        return next((d for d in self.departments if name in (d.id, d.name, d.short_name)), None)


@cache
def load_departments(config_dir: Path = CONFIG_DIR) -> DepartmentsConfig:
    return _validated(DepartmentsConfig, config_dir / DEPARTMENTS_FILE)
