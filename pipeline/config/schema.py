"""Load and validate the YAML configuration in ``config/`` (regions, indicators, targets)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline import CONFIG_DIR


class ConfigError(ValueError):
    """A configuration file is missing or does not describe what the pipeline needs."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionEntry(_Strict):
    # 6 digits (GB/T 2260) for the city and counties; 9 (county + 3) for a 镇(办) when a county
    # bureau assesses its towns (config/units/).
    code: str = Field(pattern=r"^\d{6}(\d{3})?$")
    name: str
    aliases: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()
    # How many 镇(办) the county has in data/reference/regions/ (checked by config/hierarchy.py).
    towns: int | None = Field(default=None, ge=1)


class TierWording(_Strict):
    """How the report names the tier: the city's own words by default, a county's for its towns
    (config/units/<code>/unit.yaml). The one place these words come from."""

    top: str = "全市"  # the assessing government's whole area (全市 / 全区)
    members: str = "县（市、区）"  # the assessed governments
    members_short: str = "县区"
    member: str = "县"  # one of them, as in 某县、每县
    government: str = "市政府"
    bureau: str = "市人社局"
    finance: str = "市财政局"
    # How the shipped sample submissions of this tier were built (the report's sample notice).
    sample_basis: str = (
        "规模取自文件规定的五年目标（如新增城镇就业五年10万人，约每年2万人），县区比重取自真实的2021年户籍人口，"
        "其余（2020年冲击、各县差异、空白单元格）均为演示用的假设"
    )
    # Who answers for employment in each assessed government (the 约谈通知's 参加人员); {name} is
    # the assessed region's name (汉滨区人力资源和社会保障局, 老城街道人力资源和社会保障服务站).
    labour_office: str = "{name}人力资源和社会保障局"
    # Why the members' five-year targets are an estimate, and how they were estimated.
    allocation_intro: str = "安政发〔2022〕7号只规定了全市目标。"
    allocation_method: str = "按2021年末户籍人口比重"
    # The sample fund bases (config/assessment.yaml funds, status sample): what they are split by.
    sample_funds_basis: str = "按2021年末户籍人口比重分配"

    def rule_name(self, rule: str) -> str:
        """A QA rule's name (pipeline/intake/qa.py, the city's words, kept as the identifier in
        qa_log.csv) as a reader of this tier's report sees it: 全市合计 → 全区合计, 县区齐全 → 镇办齐全."""
        return rule.replace("全市", self.top).replace("县区", self.members_short)

    @property
    def level(self) -> str:
        """The assessing government's level in one character: 市 (全市), 区 (全区), 县 (全县)."""
        return self.top.removeprefix("全")

    @property
    def leading_group(self) -> str:
        """The 就业工作领导小组 that assesses (第十九条): 市就业工作领导小组, 区就业工作领导小组."""
        return f"{self.level}就业工作领导小组"

    @property
    def fund(self) -> str:
        """The employment fund tied to the result (第二十二条): 市级就业补助资金, 区级…"""
        return f"{self.level}级就业补助资金"

    def labour_office_of(self, name: str) -> str:
        """The assessed region's own 人社 office, from ``labour_office``."""
        return self.labour_office.replace("{name}", name)

    @staticmethod
    def government_of(name: str) -> str:
        """The government of an assessed region, as a document addresses it: a county's and a
        town's 人民政府, a 街道's 办事处 (汉滨区人民政府, 关庙镇人民政府, 老城街道办事处)."""
        return f"{name}办事处" if name.endswith("街道") else f"{name}人民政府"


class ZoneEntry(_Strict):
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str = Field(pattern=r"^\d{6}$")


class RegionsConfig(_Strict):
    # ``city`` is the assessing government and ``counties`` the governments it assesses: the city
    # and its counties, or (a unit's configuration) a county and its 镇(办).
    city: RegionEntry
    counties: tuple[RegionEntry, ...]
    functional_zones: tuple[ZoneEntry, ...] = ()
    tier: TierWording = TierWording()
    # Boundaries of the assessed regions under data/reference/ for the report's map; none for a
    # county's towns (there is no town boundary file: the report has no map then).
    boundaries: str | None = "geo/ankang_counties.geojson"
    # The county code when this is a county's configuration over its towns (config/units/).
    unit: str | None = None

    @model_validator(mode="after")
    def _zones_belong_to_counties(self) -> RegionsConfig:
        owner: dict[
            str, str
        ] = {}  # a name, alias or code naming two regions would be booked to one
        for entry in (self.city, *self.counties, *self.functional_zones):
            keys = {getattr(entry, "code", None) or entry.id, entry.name, *entry.aliases}
            keys |= set(getattr(entry, "former_codes", ()))
            for key in keys:
                folded = re.sub(r"\s+", "", key).replace("\u3000", "")
                if owner.get(folded, entry.name) != entry.name:
                    raise ValueError(
                        f"“{key}”同时是 {owner[folded]} 和 {entry.name} 的名称、别名或代码：每个名称只能指一个地区"
                    )
                owner[folded] = entry.name
        # a unit's zones (安康高新区 under 汉滨区) belong to its top region
        county_codes = {c.code for c in self.counties} | {self.city.code}
        for zone in self.functional_zones:
            if zone.parent not in county_codes:
                raise ValueError(f"功能区 {zone.name} 的所属县区代码 {zone.parent} 不在县区名单中")
        return self


IndicatorKind = Literal["cumulative", "ceiling_each_year", "floor_each_year"]


class Indicator(_Strict):
    id: str
    name: str
    short_name: str
    raw_header: str
    unit: Literal["人", "%", "次"]
    # What the unit symbol used to be read for: a count (log scale) or a rate in % (logit scale),
    # whether values are whole numbers (simulated paths rounded), and the decimals shown.
    measure: Literal["count", "rate"]
    integer: bool
    decimals: int = Field(ge=0, le=4)
    kind: IndicatorKind
    direction: Literal["higher_is_better", "lower_is_better"]
    article: str
    city_only: bool = False
    # False: not forecast (第十二条 meetings are decided by the government, not a random flow)
    forecast: bool = True
    valid_range: tuple[float, float]
    plausible_range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _ranges_ascend(self) -> Indicator:
        for name in ("valid_range", "plausible_range"):
            bounds = getattr(self, name)
            if bounds is not None and not bounds[0] < bounds[1]:
                raise ValueError(
                    f"{self.id} 的 {name} 须写成 [下限, 上限]（下限小于上限），现为 {list(bounds)}"
                )
        if self.valid_range[0] < 0:
            raise ValueError(f"{self.id} 的 valid_range 下限不能为负数：人数、比率和次数都不小于0")
        return self


class IndicatorsConfig(_Strict):
    indicators: tuple[Indicator, ...]


class Plan(_Strict):
    id: str
    name: str
    start: int
    end: int
    source: str
    city_targets: dict[str, float]
    allocation_rule: str
    # estimate: the county allocations are this project's population split, to be replaced by the
    # bureau's issued 分解任务 (the report says so); issued: they are the bureau's, from
    # ``allocation_document``.
    allocation_status: Literal["estimate", "issued"] = "estimate"
    allocation_document: str = ""
    allocation_step: dict[str, int]
    county_allocations: dict[str, dict[str, float]]

    @model_validator(mode="after")
    def _allocations_sum_to_city(self) -> Plan:
        if self.allocation_status == "issued" and not self.allocation_document:
            raise ValueError(
                f"规划期 {self.name}：allocation_status 为 issued 时须填写 allocation_document（文号）"
            )
        if self.end < self.start:
            raise ValueError(f"规划期 {self.name} 结束年份早于开始年份")
        for indicator_id, by_county in self.county_allocations.items():
            if indicator_id not in self.city_targets:
                raise ValueError(
                    f"规划期 {self.name}：county_allocations 中的 {indicator_id} 在 city_targets 中没有全市目标"
                )
            total = sum(by_county.values())
            if total != self.city_targets[indicator_id]:
                raise ValueError(
                    f"{self.name} {indicator_id} 县区分解合计 {total:g} "
                    f"≠ 全市目标 {self.city_targets[indicator_id]:g}"
                )
        return self

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)


class StatusThresholds(_Strict):
    on_track_min_probability: float = Field(gt=0, lt=1)
    at_risk_min_probability: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> StatusThresholds:
        if not self.at_risk_min_probability < self.on_track_min_probability:
            raise ValueError(
                f"at_risk_min_probability（{self.at_risk_min_probability:g}）须小于 on_track_min_probability（{self.on_track_min_probability:g}）：进度正常的概率门槛应高于存在风险"
            )
        return self


class ForecastSettings(_Strict):
    seed: int
    n_paths: int = Field(ge=100)
    calibration_paths: int = Field(ge=100)
    max_horizon: int = Field(ge=1, le=20)
    short_history_years: int = Field(ge=2)


class ProgressThresholds(_Strict):
    """Cut-offs of the deterministic progress categories (pipeline/plan_targets/progress.py), each from its
    source: Eurostat SDG monitoring (on track, acceleration needed, limited progress), UNSD SDG
    Progress Chart (on track, fair), Destatis weather scale (small and large shortfall shares)."""

    eurostat: tuple[float, float, float]
    unsd: tuple[float, float]
    destatis: tuple[float, float]

    @model_validator(mode="after")
    def _descending(self) -> ProgressThresholds:
        for name in ("eurostat", "unsd"):
            values = getattr(self, name)
            if list(values) != sorted(values, reverse=True):
                raise ValueError(f"progress_thresholds.{name} 须从大到小排列：{values}")
        if not self.destatis[0] < self.destatis[1]:
            raise ValueError(f"progress_thresholds.destatis 须从小到大排列：{self.destatis}")
        return self


class TargetsConfig(_Strict):
    plans: tuple[Plan, ...]
    status_thresholds: StatusThresholds
    forecast: ForecastSettings
    progress_thresholds: ProgressThresholds

    @model_validator(mode="after")
    def _horizon_reaches_every_plan_end(self) -> TargetsConfig:
        needed = max((len(p.years) for p in self.plans), default=1) - 1
        if self.forecast.max_horizon < needed:
            raise ValueError(
                f"forecast.max_horizon（{self.forecast.max_horizon}）须不小于 {needed}："
                f"最长的规划期有 {needed + 1} 年，规划首年对期末的预测要向前 {needed} 年，回测须校准到这一步长"
            )
        return self


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML lets the last one win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"第{line}行：键“{key}”在第{seen[key]}行已经出现过。同一层级的键只能写一次（否则后写的会悄悄覆盖先写的），请删除或合并其中一处"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_FULL_WIDTH_KEY = re.compile(r"^\s*(?:-\s+)?[^\s:#：]+：")


def _text(path: Path) -> str:
    """The file as UTF-8 text; any other encoding (Notepad's ANSI/GBK) is named with its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"配置文件 {path} 第{line}行不是 UTF-8 编码（记事本“另存为”ANSI/GBK 时常见）：请用 UTF-8 编码重新保存"
        ) from None


def _load_yaml(path: Path) -> object:
    if not path.exists():
        raise ConfigError(f"找不到配置文件 {path}")
    text = _text(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if _FULL_WIDTH_KEY.match(line):
            raise ConfigError(
                f"配置文件 {path} 第{number}行：键后用了全角冒号“：”，YAML 须用半角冒号“:”加一个空格（{line.strip()[:40]}）"
            )
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except ConfigError as error:
        raise ConfigError(f"配置文件 {path} {error}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise ConfigError(
            f"配置文件 {path} {where}不是有效的 YAML（{error.problem or error}）：请检查缩进、冒号后的空格和引号是否成对"
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"配置文件 {path} 不是有效的 YAML（{error}）") from None


def _line_of(path: Path, location: tuple) -> int | None:
    """The line of the key at ``location`` (as pydantic reports it) in the YAML file."""
    try:
        node = yaml.compose(_text(path), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ConfigError):
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line = next(k for k, v in node.value if v is match).start_mark.line + 1
            node = match
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(_load_yaml(path))
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = tuple(item["loc"])
            key = ".".join(str(part) for part in location) or "（整个文件）"
            line = _line_of(path, location)
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"  {'第' + str(line) + '行，' if line else ''}键 {key}：{message}")
        raise ConfigError(f"配置文件 {path} 有误：\n" + "\n".join(problems)) from None


@cache
def load_regions_config(config_dir: Path = CONFIG_DIR) -> RegionsConfig:
    return _validated(RegionsConfig, config_dir / "regions.yaml")


@cache
def load_indicators_config(config_dir: Path = CONFIG_DIR) -> IndicatorsConfig:
    return _validated(IndicatorsConfig, config_dir / "indicators.yaml")


def check_indicator_ids(path: Path, section: str, ids: dict[str, object], config_dir: Path) -> None:
    """Every key of ``section`` (e.g. "scoring.weights") is an indicator id of indicators.yaml."""
    known = {i.id for i in load_indicators_config(config_dir).indicators}
    for key in ids:
        if key not in known:
            line = _line_of(path, (*section.split("."), key))
            raise ConfigError(
                f"配置文件 {path} {'第' + str(line) + '行，' if line else ''}键 {section}.{key}：未知的指标代码“{key}”。已知：{'、'.join(sorted(known))}"
            )


def _check_targets(config: TargetsConfig, path: Path, config_dir: Path) -> None:
    """Targets name known indicators and lie in each indicator's valid range: a negative ceiling
    would make every county breach it."""
    items = {i.id: i for i in load_indicators_config(config_dir).indicators}
    for number, plan in enumerate(config.plans):
        where = f"plans.{number}"
        for section in ("city_targets", "county_allocations", "allocation_step"):
            check_indicator_ids(path, f"{where}.{section}", getattr(plan, section), config_dir)
        for key, value in plan.city_targets.items():
            low, high = items[key].valid_range
            if not low <= value <= high:
                line = _line_of(path, ("plans", number, "city_targets", key))
                raise ConfigError(
                    f"配置文件 {path} {'第' + str(line) + '行，' if line else ''}键 {where}.city_targets.{key}：{plan.name} 目标 {value:g} 不在该指标的取值范围 {low:g}–{high:g}{items[key].unit} 内（indicators.yaml 的 valid_range）"
                )


@cache
def load_targets_config(config_dir: Path = CONFIG_DIR) -> TargetsConfig:
    path = config_dir / "targets.yaml"
    config = _validated(TargetsConfig, path)
    _check_targets(config, path, config_dir)
    return config
