"""Write config/units/<code>/unit.yaml for the ten counties from one template (issue 15).

The ten files differ only in the county's name, its kind (区、县 or the county-level city 旬阳市),
whether its NBS list has 街道办事处 (only 汉滨区's does) and the 机关代字 of its document numbers;
everything else — the tier's words, the sample notes, the documents' issuer, addressees and copies —
follows from those in one place, here. Run once to (re)create the sample configurations; a county
bureau that edits its own file (issued town tasks, its weights) stops regenerating it, as the
file's first line says.

Wording of 旬阳市: a county-level city's own officials say 全市、市政府、市人社局 for 旬阳市 (as its
own documents do), so its tier uses them; where 安康市 could be meant, the text names 旬阳市 or
安康市 (报送安康市的数). The report's title and every page name the county, so 全市 in 旬阳市's
report is 旬阳市.

Run: python scripts/make_unit_configs.py [--only <code> ...]
"""

from __future__ import annotations

import argparse

from pipeline.config.hierarchy import towns_of
from pipeline.config.regions import counties
from pipeline.config.units import UNIT_FILE, UNITS_CONFIG_DIR

# 发文字号的机关代字 (the county's abbreviation in 某人社发〔年〕号): 汉滨区's is the one in use in the
# shipped sample; the others are placeholders like the □ of the number, for each bureau to confirm.
ABBREVIATIONS = {
    "610902": "汉", "610921": "汉阴", "610922": "石", "610923": "宁", "610924": "紫",
    "610925": "岚", "610926": "平", "610927": "镇坪", "610981": "旬", "610929": "白",
}  # fmt: skip

TEMPLATE = """\
# 由 scripts/make_unit_configs.py 生成（十个县区一份模板）；县区人社局正式使用时直接编辑本文件，此后不再运行该脚本覆盖它。
# {name}对所辖 {count} 个{members}的年度考核：与安康市的考核同一套阶段、规则和输出，只在这里写与安康市不同的部分。
# {members}名录来自 data/reference/regions/ankang_towns_2023.csv（国家统计局 2023 年统计用区划代码）。
# 指标、计分规则和等次沿用 config/ 中安康市的文件；这里给出：层级的称谓、{kind}政府下达的任务、与安康市不同的分值、发文机关。
# The county's assessment of its towns: only what differs from the city's configuration.
unit: "{code}"
# 报告中的称谓（安康市报告的全市 → 全{kind}，县（市、区）→ {members}，市政府 → {kind}政府）和样例数据的说明{city_note}
tier:
  top: 全{kind}
  members: {members}
  members_short: {members_short}
  member: {members}
  government: {kind}政府
  bureau: {kind}人社局
  finance: {kind}财政局
  labour_office: "{{name}}人力资源和社会保障服务站"
  sample_basis: 各{members}的数由{name}报送安康市的样例数（data/raw/）拆分而来，合计等于{name}的数；各{members}的规模和完成情况是演示用的假设（名录中没有镇办人口）
  allocation_intro: {kind}政府尚未向各{members}正式下达十四五任务。
  allocation_method: 按{members}个数均分{name}的五年任务
  sample_funds_basis: 由{name}的样例资金基数按{members}个数均分
# {members}报表中合计行的写法（另加{kind}名、{kind}的别名）
total_aliases: [全{kind}, 全{kind}合计, 合计, {name}合计]
# {kind}对{members}的五年（十四五）任务。{kind}政府正式下达后：填写 town_allocations（每个镇办代码一个数，合计须等于{kind}的任务），
# 改为 issued 并填写文号。没有下达的指标按 estimate_rule 测算（报告和工作簿都标“测算”，测算数不作为约谈依据）。
targets:
  allocation_status: estimate
  allocation_document: ""
  # 没有{members}人口数据（名录只有名称和代码），测算只能用均分：每个{members}一份，按 allocation_step 向下取整，余数按名录顺序每个{members}加一个步长。
  estimate_rule: equal_shares
  town_allocations: {{}}
# 与安康市不同的分值（config/assessment.yaml 的 scoring.weights；合计仍须为100）。{kind}政府另定分值时填写。
weights: {{}}
# 公文：与 config/documents.yaml 不同的键（同样的键名，逐项覆盖）。发文字号的机关代字（{abbreviation}）请{kind}人社局核对。
documents:
  issuer:
    name: {name}人力资源和社会保障局
    mark: {name}人力资源和社会保障局文件
    document_number_placeholder: {abbreviation}人社发〔□□□□〕□□号
    office: {name}人力资源和社会保障局办公室
  addressees: {addressees}，{kind}就业工作领导小组各成员单位：
  copy_to: {kind}委办公室，{kind}人大常委会办公室，{kind}政府办公室，{kind}政协办公室。
  objection: {{channel: 书面形式（加盖{seal}公章）报送{kind}人社局}}
  interview: {{convener: {kind}就业工作领导小组}}
"""
CITY_NOTE = (
    "\n# 旬阳市是县级市：本市官员称旬阳市为全市、市政府、市人社局（本市公文亦如此），"
    "报告标题与各页都写明旬阳市；可能指安康市的地方写明“安康市”。"
)


def unit_yaml(code: str) -> str:
    """The unit file of one county, from the template."""
    county = next(c for c in counties() if c.code == code)
    kind = county.name[-1]  # 区 / 县 / 市 (旬阳市)
    if kind not in "区县市":
        raise ValueError(f"{county.name}：名称不以区、县或市结尾，模板无法确定称谓")
    towns = towns_of(code)
    offices = any(t.name.endswith("街道") for t in towns)  # 街道办事处 beside the 镇
    return TEMPLATE.format(
        code=code,
        name=county.name,
        kind=kind,
        count=len(towns),
        members="镇（办）" if offices else "镇",
        members_short="镇办" if offices else "镇",
        addressees="各镇人民政府、街道办事处" if offices else "各镇人民政府",
        seal="镇人民政府或街道办事处" if offices else "镇人民政府",
        abbreviation=ABBREVIATIONS[code],
        city_note=CITY_NOTE if kind == "市" else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="only this county (code)")
    args = parser.parse_args()
    for county in counties():
        if args.only and county.code not in args.only:
            continue
        path = UNITS_CONFIG_DIR / county.code / UNIT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit_yaml(county.code), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
