"""The blank 报表模板 generated from config reads back exactly (issue 13 point 10): fill it with the
2024 sample's values and the intake gives the same tidy values."""

from openpyxl import load_workbook

from pipeline.config.indicators import indicators
from pipeline.intake import forms
from pipeline.intake.ingest import read_year_folder
from pipeline.intake.validate import validate

YEAR = 2024


def test_a_filled_template_reads_back_to_the_same_tidy_values(tmp_path, sample_intake):
    sample, _ = sample_intake
    sample = sample[sample["year"] == YEAR]
    folder = tmp_path / str(YEAR)
    path = forms.write_template(YEAR, folder / forms.template_name(YEAR))
    book = load_workbook(path)
    sheet = book.active
    order = {region.code: i for i, region in enumerate(forms.regions_in_order())}
    position = {item.id: i for i, item in enumerate(indicators())}
    for r in sample.itertuples():
        row, column = forms.value_cell(order[r.region_code], position[r.indicator], r.measure)
        sheet.cell(row, column).value = r.value
    book.save(path)
    tidy, log = read_year_folder(folder, YEAR, assessed=True)
    log.extend(validate(tidy))
    assert not log.has_failures, log.format()
    key = ["region_code", "indicator", "measure"]
    expected = sample.set_index(key)["value"].sort_index()
    got = tidy.set_index(key)["value"].sort_index()
    assert got.index.equals(expected.index)
    assert (got.round(6) == expected.round(6)).all()


def test_the_blank_template_names_every_indicator_and_region_and_refuses_blanks(tmp_path):
    folder = tmp_path / str(YEAR)
    forms.write_template(YEAR, folder / forms.template_name(YEAR))
    _, log = read_year_folder(folder, YEAR, assessed=True)
    assert all(r.status == "PASS" for r in log.records if r.rule == "必需列")
    blanks = [r for r in log.records if r.rule == "空白单元格" and r.status == "FAIL"]
    required = sum(1 for item in indicators() for region in forms.regions_in_order()
                   if region.is_city or not item.city_only)  # fmt: skip
    assert len(blanks) == required


def test_forms_are_for_the_next_planned_year_with_instructions(tmp_path):
    written = forms.write_blank_forms(2024, tmp_path)
    assert [p.name for p in written] == [forms.template_name(2025), forms.instructions_name(2025)]
    text = written[1].read_text(encoding="utf-8")
    for item in indicators():
        assert item.raw_header in text
    assert "未报送：原因" in text
    assert forms.form_year(2025) == 2025  # the plan's last year: no later plan is configured
