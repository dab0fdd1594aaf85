import pytest

from pipeline.config.regions import (
    FunctionalZone,
    UnknownRegionError,
    all_regions,
    by_code,
    counties,
    resolve,
    resolve_region,
)


def test_registry_has_the_city_and_ten_counties_with_their_codes():
    assert [(r.code, r.name) for r in all_regions()] == [
        ("610900", "安康市"),
        ("610902", "汉滨区"),
        ("610921", "汉阴县"),
        ("610922", "石泉县"),
        ("610923", "宁陕县"),
        ("610924", "紫阳县"),
        ("610925", "岚皋县"),
        ("610926", "平利县"),
        ("610927", "镇坪县"),
        ("610981", "旬阳市"),
        ("610929", "白河县"),
    ]
    assert len(counties()) == 10


@pytest.mark.parametrize(
    "alias", ["旬阳", "旬阳县", "旬阳市", "610928", "610981", " 旬 阳 市 ", 610981]
)
def test_xunyang_old_and_new_names_and_codes_are_one_region(alias):
    assert resolve_region(alias).code == "610981"


@pytest.mark.parametrize(
    ("alias", "code"), [("汉滨", "610902"), ("全市", "610900"), ("安康", "610900")]
)
def test_aliases_without_suffix_resolve(alias, code):
    assert resolve_region(alias).code == code


def test_unknown_name_is_an_error_listing_the_known_ones():
    with pytest.raises(UnknownRegionError) as caught:
        resolve("商州区")
    message = str(caught.value)
    assert "商州区" in message
    assert all(region.name in message for region in all_regions())


def test_functional_zones_resolve_to_themselves_with_their_county():
    zone = resolve("安康高新区")
    assert isinstance(zone, FunctionalZone)
    assert by_code(zone.parent_code).name == "汉滨区"
    with pytest.raises(UnknownRegionError, match="功能区"):
        resolve_region("恒口示范区")
