"""The forecast engine's section of docs/benchmark.md is written in place (the rest as measured)."""

from pipeline.tools import bench


def test_the_forecast_section_is_written_once_before_section_5(tmp_path, monkeypatch):
    doc = tmp_path / "benchmark.md"
    doc.write_text(
        f"# 基准测试\n\n## 4. 地区数\n\n表\n\n{bench.TOWNS_SECTION}\n\n镇表\n", encoding="utf-8"
    )
    monkeypatch.setattr(bench, "DOC", doc)
    for cpu in (70.0, 6.5):  # written twice: the second replaces the first
        bench.write_forecast_section("abc123", bench.Measurement(12.0, cpu, 250.0, ""))
    text = doc.read_text(encoding="utf-8")
    assert text.count(bench.FORECAST_SECTION) == 1
    assert (
        text.index("## 4.") < text.index(bench.FORECAST_SECTION) < text.index(bench.TOWNS_SECTION)
    )
    assert "| 预测引擎 | 6.5 | 12.0 | 250 | < 60 CPU 秒 ✓ |" in text
    assert "70.0" not in text
    assert text.endswith("镇表\n") and "`abc123`" in text
