"""``make backtest``: how good are the forecasts and the probabilities? Writes docs/backtest.md.

Three sets, reported separately:
1. M3 yearly series (real, 317 series): last 6 values held out; our engine against the naive
   forecast and statsmodels' Theta, computed in the same run.
2. 安康市 city series from the statistical yearbook (real, 2 series): rolling origins.
3. The county submissions in data/raw (SAMPLE, constructed): rolling origins from 2018, horizons
   1–5, all regions, plus the probability that next year's annual task (目标任务) is met.
Only the real sets can show how good the method is; the sample shows that the machinery works.
Every origin is forecast with weights and interval factors learnt from earlier years only.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.tsa.forecasting.theta import ThetaModel

from pipeline import PROJECT_ROOT, RAW_DIR, REFERENCE_DIR
from pipeline.config.indicators import indicators
from pipeline.config.regions import city, counties
from pipeline.config.schema import load_targets_config
from pipeline.forecast.calibration import (
    BacktestCase,
    Calibration,
    conformity_scores,
    fit_cases,
    interval_scales,
    model_errors,
    model_weights,
)
from pipeline.forecast.engine import (
    MODELS,
    Shocks,
    Transform,
    from_model_scale,
    quantile_summary,
    simulate_from_means,
    stable_seed,
)
from pipeline.forecast.models import Stack
from pipeline.forecast.series_file import forecast_series
from pipeline.intake.collect import intake
from pipeline.plan_targets.assess import calibration_first_origin
from pipeline.store.inert import write_csv

DOCS_DIR = PROJECT_ROOT / "docs"
OUT_DIR = DOCS_DIR / "backtest"
SUMMARY_FILE = OUT_DIR / "summary.json"
M3_FILE = REFERENCE_DIR / "benchmarks" / "m3_yearly_dev.csv"
M3_HOLDOUT = 6
LEVELS = ("50", "80", "95")


def smape(forecast: np.ndarray, actual: np.ndarray) -> np.ndarray:
    return 200 * np.abs(forecast - actual) / (np.abs(forecast) + np.abs(actual))


def covered(frame: pd.DataFrame, level: str, prefix: str = "") -> pd.Series:
    return (frame[f"{prefix}lo{level}"] <= frame["actual"]) & (
        frame["actual"] <= frame[f"{prefix}hi{level}"]
    )


# ---------------------------------------------------------------- M3 (real)


def m3_backtest(path: Path = M3_FILE) -> pd.DataFrame:
    """One row per series and horizon: actual, our quantiles, and each method's point forecast."""
    data = pd.read_csv(path, dtype={"series_id": str}).sort_values(["series_id", "t"])
    size = data.groupby("series_id")["t"].transform("size")
    position = data.groupby("series_id").cumcount()
    train = data[position < size - M3_HOLDOUT]
    test = data[position >= size - M3_HOLDOUT].copy()
    test["h"] = test.groupby("series_id").cumcount() + 1
    ours = forecast_series(train[["series_id", "t", "value"]], M3_HOLDOUT)
    histories = {
        series_id: group["value"].to_numpy(float)
        for series_id, group in train.groupby("series_id", sort=False)
    }
    # Each model alone, fitted to every series at once (as the engine fits them).
    stack = Stack.of([np.log1p(history) for history in histories.values()])
    singles = {name: np.expm1(fit(stack, M3_HOLDOUT)) for name, fit in MODELS.items()}
    rows = []
    for index, (series_id, history) in enumerate(histories.items()):
        scale = float(np.mean(np.abs(np.diff(history))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theta = ThetaModel(history, period=1, deseasonalize=False).fit()
            theta_point = np.asarray(theta.forecast(M3_HOLDOUT), dtype=float)
            intervals = {
                level: theta.prediction_intervals(M3_HOLDOUT, alpha=1 - int(level) / 100).to_numpy()
                for level in LEVELS
            }
        for h in range(M3_HOLDOUT):
            row = {
                "series_id": series_id,
                "h": h + 1,
                "scale": scale,
                "naive": history[-1],
                "theta_statsmodels": theta_point[h],
            }
            row |= {f"model_{name}": float(paths[index, h]) for name, paths in singles.items()}
            for level in LEVELS:
                row[f"theta_lo{level}"], row[f"theta_hi{level}"] = intervals[level][h]
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame = frame.merge(ours, on=["series_id", "h"]).merge(
        test[["series_id", "h", "value"]].rename(columns={"value": "actual"}), on=["series_id", "h"]
    )
    return frame.rename(columns={"median": "ours"})


def point_metrics(frame: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """sMAPE (%) and MASE averaged over every series and horizon, and relative to naive."""
    rows = []
    for method in methods:
        errors = smape(frame[method].to_numpy(), frame["actual"].to_numpy())
        mase = np.abs(frame[method] - frame["actual"]) / frame["scale"]
        rows.append(
            {
                "method": method,
                "sMAPE": float(np.nanmean(errors)),
                "MASE": float(np.nanmean(mase[np.isfinite(mase)])),
            }
        )
    table = pd.DataFrame(rows)
    naive = table.set_index("method").loc["naive"]
    table["sMAPE_vs_naive"] = table["sMAPE"] / naive["sMAPE"]
    table["MASE_vs_naive"] = table["MASE"] / naive["MASE"]
    return table


def coverage_table(frame: pd.DataFrame, prefixes: dict[str, str]) -> pd.DataFrame:
    rows = []
    for name, prefix in prefixes.items():
        row = {"method": name, "n": len(frame)}
        row |= {f"cover{level}": float(covered(frame, level, prefix).mean()) for level in LEVELS}
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------- rolling origins on annual panels


@dataclass(frozen=True)
class PanelSeries:
    group: str
    series: str
    years: np.ndarray
    values: np.ndarray
    transform: Transform


def rolling_origin(
    panel: list[PanelSeries], first_origin: int, last_year: int, thresholds: dict | None = None
) -> pd.DataFrame:
    """Forecast every series from every origin, learning weights and interval factors at each
    origin only from cases whose outcomes were known by then (nested, no look-ahead).

    ``thresholds`` maps (series, year) to (value, higher_is_better): the h = 1 probability of
    meeting it is recorded."""
    settings = load_targets_config().forecast
    cases = []
    for item in panel:
        for origin in range(first_origin, last_year):
            known = np.isfinite(item.values) & (item.years <= origin)
            if known.sum() < 1:
                continue
            future = np.array([
                item.values[item.years == y][0] if (item.years == y).any() else np.nan
                for y in range(origin + 1, min(origin + settings.max_horizon, last_year) + 1)
            ])  # fmt: skip
            if np.isfinite(future).any():
                cases.append(
                    BacktestCase(
                        item.group, item.series, origin, item.values[known], future, item.transform
                    )
                )
    fitted = fit_cases(cases)
    errors = model_errors(fitted)
    errors["target_year"] = errors["origin"] + errors["h"]
    rows = []
    for origin in range(first_origin, last_year):
        past_errors = errors[errors["target_year"] <= origin]
        weights = (
            model_weights(past_errors)
            if not past_errors.empty
            else pd.DataFrame(columns=["group", "model", "weight"])
        )
        past = [f for f in fitted if f.case.origin < origin]
        scores = conformity_scores(past, weights, settings.calibration_paths, settings.seed)
        scores = scores[scores["origin"] + scores["h"] <= origin]
        scales = interval_scales(scores, settings.max_horizon)
        for item in (f for f in fitted if f.case.origin == origin):
            case = item.case
            learnt = Calibration(weights, scales)
            model_weight = learnt.weights_for(case.group)
            scale = learnt.scale_for(case.group, len(case.future))
            shocks = Shocks.draw(
                settings.n_paths,
                len(case.future),
                0.0,
                stable_seed(settings.seed, case.series, origin, "bc"),
                stable_seed(settings.seed, case.series, origin, "b"),
            )
            paths_z = simulate_from_means(item.means, item.sd, shocks, model_weight, scale)
            raw_paths_z = simulate_from_means(item.means, item.sd, shocks, model_weight)
            paths = from_model_scale(paths_z, case.transform)
            raw_paths = from_model_scale(raw_paths_z, case.transform)
            summary, raw = quantile_summary(paths), quantile_summary(raw_paths)
            history_scale = (
                float(np.mean(np.abs(np.diff(case.history)))) if len(case.history) > 1 else np.nan
            )
            for h in range(len(case.future)):
                if not np.isfinite(case.future[h]):
                    continue
                row = {
                    "group": case.group, "series": case.series, "origin": origin, "h": h + 1,
                    "actual": case.future[h], "ours": summary["median"][h], "naive": case.history[-1],
                    "scale": history_scale,
                }  # fmt: skip
                row |= {
                    f"{k}{level}": summary[f"{k}{level}"][h]
                    for k in ("lo", "hi")
                    for level in LEVELS
                }
                row |= {
                    f"raw_{k}{level}": raw[f"{k}{level}"][h]
                    for k in ("lo", "hi")
                    for level in LEVELS
                }
                row |= {
                    f"model_{name}": float(from_model_scale(path[h : h + 1], case.transform)[0])
                    for name, path in item.means.items()
                }
                if h == 0 and thresholds and (case.series, origin + 1) in thresholds:
                    value, higher = thresholds[(case.series, origin + 1)]
                    meets = paths[:, 0] >= value if higher else paths[:, 0] <= value
                    row |= {
                        "task": value,
                        "higher_is_better": higher,
                        "p_ours": float(meets.mean()),
                    }
                rows.append(row)
    return pd.DataFrame(rows)


def city_panel(reference_dir: Path = REFERENCE_DIR) -> list[PanelSeries]:
    """Two real 安康市 yearbook series; where the two source compilations disagree in rounding,
    the value with more decimal places is kept."""
    panel = pd.read_csv(reference_dir / "ankang_city_panel.csv", dtype={"value": str})
    wanted = {
        "年末城镇登记失业人员数(人)": "registered_unemployed",
        "城镇非私营单位从业人员数(万人)": "unit_employment",
    }
    series = []
    for name, key in wanted.items():
        rows = panel[(panel["region"] == "安康市") & (panel["indicator"] == name)].copy()
        rows["decimals"] = rows["value"].str.extract(r"\.(\d+)$")[0].str.len().fillna(0)
        rows = rows.sort_values("decimals").groupby("year").tail(1).sort_values("year")
        rows = rows[rows["year"].astype(int) >= 2000]
        series.append(
            PanelSeries(
                key,
                f"安康市:{key}",
                rows["year"].astype(int).to_numpy(),
                rows["value"].astype(float).to_numpy(),
                "log",
            )
        )
    return series


def latest_year(raw_dir: Path = RAW_DIR) -> int:
    return max(int(p.name) for p in raw_dir.iterdir() if p.is_dir() and p.name.isdigit())


def sample_panel(raw_dir: Path, last_year: int) -> tuple[list[PanelSeries], dict]:
    tidy, _ = intake(raw_dir, last_year)
    series, thresholds = [], {}
    for item in indicators():
        codes = [city().code] if item.city_only else [c.code for c in counties()]
        for code in codes:
            rows = tidy[(tidy["region_code"] == code) & (tidy["indicator"] == item.id)]
            actual = rows[rows["measure"] == "actual"].sort_values("year")
            if actual.empty:
                continue
            key = f"{code}:{item.id}"
            transform: Transform = "logit" if item.measure == "rate" else "log"
            series.append(
                PanelSeries(
                    item.id,
                    key,
                    actual["year"].to_numpy(int),
                    actual["value"].to_numpy(float),
                    transform,
                )
            )
            for _, task in rows[rows["measure"] == "task"].iterrows():
                thresholds[(key, int(task["year"]))] = (
                    float(task["value"]),
                    item.direction == "higher_is_better",
                )
    return series, thresholds


# ---------------------------------------------------------------- probabilities


def probability_forecasts(frame: pd.DataFrame) -> pd.DataFrame:
    """h = 1 rows with an annual task: our probability beside deterministic rules made forecasts."""
    rows = frame[(frame["h"] == 1) & frame.get("p_ours", pd.Series(dtype=float)).notna()].copy()
    higher = rows["higher_is_better"].astype(bool)
    rows["outcome"] = np.where(
        higher, rows["actual"] >= rows["task"], rows["actual"] <= rows["task"]
    ).astype(float)
    # Persistence: last year's value already meets next year's task.
    rows["p_persistence"] = np.where(
        higher, rows["naive"] >= rows["task"], rows["naive"] <= rows["task"]
    ).astype(float)
    # Eurostat-style: the ratio of last year's value to the task (inverted for ceilings) ≥ 95%.
    ratio = np.where(higher, rows["naive"] / rows["task"], rows["task"] / rows["naive"])
    rows["p_eurostat"] = (ratio >= 0.95).astype(float)
    # Climatology: how often this indicator's task was met at earlier origins (0.5 with no history).
    rows = rows.sort_values("origin")
    rows["p_climatology"] = [
        float(rows[(rows["group"] == g) & (rows["origin"] < o)]["outcome"].mean())
        if ((rows["group"] == g) & (rows["origin"] < o)).any()
        else 0.5
        for g, o in zip(rows["group"], rows["origin"], strict=True)
    ]
    return rows


def brier_table(rows: pd.DataFrame) -> pd.DataFrame:
    methods = {
        "ours": "模拟概率（本方法）",
        "persistence": "持平法（上年值）",
        "eurostat": "Eurostat比率≥95%",
        "climatology": "历史达标频率",
    }
    return pd.DataFrame([
        {"method": label, "brier": float(np.mean((rows[f"p_{key}"] - rows["outcome"]) ** 2)), "n": len(rows)}
        for key, label in methods.items()
    ])  # fmt: skip


def reliability_table(rows: pd.DataFrame) -> pd.DataFrame:
    bins = np.linspace(0, 1, 11)
    bucket = np.clip(np.digitize(rows["p_ours"], bins[1:-1]), 0, 9)
    table = rows.groupby(bucket).agg(
        n=("outcome", "size"), mean_p=("p_ours", "mean"), observed=("outcome", "mean")
    )
    table.index = [f"{bins[i]:.1f}–{bins[i + 1]:.1f}" for i in table.index]
    return table.reset_index(names="p_bin")


# ---------------------------------------------------------------- report


def _md(frame: pd.DataFrame, digits: int = 3) -> str:
    from pipeline.report.markup import markdown_table

    return markdown_table(frame.round(digits))


def run(out_dir: Path = OUT_DIR) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    m3 = m3_backtest()
    m3_methods = ["ours", "naive", "theta_statsmodels", *[f"model_{m}" for m in MODELS]]
    m3_points = point_metrics(m3, m3_methods)
    m3_cover = coverage_table(m3, {"ours": "", "theta_statsmodels": "theta_"})
    city = rolling_origin(city_panel(), 2008, 2022)
    city_points = point_metrics(
        city, ["ours", "naive", *[f"model_{m}" for m in MODELS if f"model_{m}" in city]]
    )
    city_cover = coverage_table(city, {"ours (calibrated)": "", "ours (uncalibrated)": "raw_"})
    last_year = latest_year()
    series, thresholds = sample_panel(RAW_DIR, last_year)
    first_origin = calibration_first_origin(np.concatenate([s.years for s in series]))
    sample = rolling_origin(series, first_origin, last_year, thresholds)
    sample_points = point_metrics(sample, ["ours", "naive", *[f"model_{m}" for m in MODELS]])
    sample_cover = coverage_table(sample, {"ours (calibrated)": "", "ours (uncalibrated)": "raw_"})
    sample_cover_h = (
        sample.groupby("h")
        .apply(
            lambda g: pd.Series(
                {"n": len(g), **{f"cover{lv}": covered(g, lv).mean() for lv in LEVELS}}
            ),
            include_groups=False,
        )
        .reset_index()
    )
    probabilities = probability_forecasts(sample)
    brier = brier_table(probabilities)
    reliability = reliability_table(probabilities)
    for name, table in {
        "m3_rows": m3, "m3_point_metrics": m3_points, "m3_coverage": m3_cover,
        "city_rows": city, "city_point_metrics": city_points, "city_coverage": city_cover,
        "sample_rows": sample, "sample_point_metrics": sample_points, "sample_coverage": sample_cover,
        "sample_coverage_by_h": sample_cover_h, "sample_probabilities": probabilities,
        "sample_brier": brier, "sample_reliability": reliability,
    }.items():  # fmt: skip
        write_csv(table, out_dir / f"{name}.csv", float_format="%.6g")
    points = m3_points.set_index("method")
    summary = {
        "run_on": date.today().isoformat(),
        "m3": {"series": int(m3["series_id"].nunique()), "sMAPE_ours": points.loc["ours", "sMAPE"], "sMAPE_theta": points.loc["theta_statsmodels", "sMAPE"], "sMAPE_naive": points.loc["naive", "sMAPE"],
               "MASE_ours": points.loc["ours", "MASE"], "MASE_theta": points.loc["theta_statsmodels", "MASE"],
               "cover80_ours": float(m3_cover.loc[0, "cover80"]), "cover80_theta": float(m3_cover.loc[1, "cover80"]),
               "cover50_ours": float(m3_cover.loc[0, "cover50"]), "cover95_ours": float(m3_cover.loc[0, "cover95"])},
        "city": {"n": int(len(city)), "cover80_ours": float(city_cover.loc[0, "cover80"]), "cover80_uncalibrated": float(city_cover.loc[1, "cover80"])},
        "max_horizon": load_targets_config().forecast.max_horizon,
        "sample": {"n": int(len(sample)), "first_origin": first_origin, "last_year": last_year, "cover80_ours": float(sample_cover.loc[0, "cover80"]), "cover80_uncalibrated": float(sample_cover.loc[1, "cover80"]),
                   "brier_ours": float(brier.loc[0, "brier"]), "brier_persistence": float(brier.loc[1, "brier"]), "brier_climatology": float(brier.loc[3, "brier"]), "n_probabilities": int(len(probabilities))},
    }  # fmt: skip
    SUMMARY_FILE.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    tables = {
        "m3_points": m3_points, "m3_cover": m3_cover, "city_points": city_points,
        "city_cover": city_cover, "sample_points": sample_points, "sample_cover": sample_cover,
        "sample_cover_h": sample_cover_h, "brier": brier, "reliability": reliability,
    }  # fmt: skip
    (DOCS_DIR / "backtest.md").write_text(_markdown(summary, tables), encoding="utf-8")
    return summary


def _m3_findings(m3: dict) -> str:
    accuracy = (
        f"Our point forecasts beat Theta (sMAPE {m3['sMAPE_ours']:.2f} against {m3['sMAPE_theta']:.2f})"
        if m3["sMAPE_ours"] < m3["sMAPE_theta"]
        else f"Our point forecasts do **not** beat Theta (sMAPE {m3['sMAPE_ours']:.2f} against "
        f"{m3['sMAPE_theta']:.2f}; MASE {m3['MASE_ours']:.2f} against {m3['MASE_theta']:.2f})"
    )
    gap = m3["cover80_ours"] - 0.8
    coverage = f"our 80% intervals cover {m3['cover80_ours']:.1%} of held-out values" + (
        ", close to what they claim"
        if abs(gap) <= 0.05
        else (" — wider than they need to be (conservative)" if gap > 0 else " — too narrow")
    )
    return (
        f"{accuracy}, while both beat the naive forecast ({m3['sMAPE_naive']:.2f}). "
        f"{coverage[0].upper() + coverage[1:]}; Theta's nominal 80% intervals cover only "
        f"{m3['cover80_theta']:.1%}."
        + (
            " The calibration learns from each series' own last training years; where it leaves the"
            " intervals too wide, those years were harder to forecast than the held-out ones."
            if gap > 0.05
            else ""
        )
    )


def _markdown(summary: dict, t: dict[str, pd.DataFrame]) -> str:
    m3 = summary["m3"]
    return f"""# Backtest — 回测

Produced by `make backtest` (`pipeline/tools/backtest.py`) on {summary["run_on"]}; the CSV behind every
table is in `docs/backtest/`. Point forecast of our engine = the median of its simulated paths.
sMAPE in %, MASE scaled by the in-sample mean absolute year-on-year change; "vs naive" < 1 is better.

**Which is which.** Sections 1 and 2 use **real** series: only they show how good the method is.
Section 3 uses the **SAMPLE** county submissions in `data/raw/`, which are constructed
(`scripts/make_sample_data.py`): it shows that the backtest machinery, the calibration and the
probabilities work end to end, not how well they would do on real submissions.

## 1. M3 yearly series (real, {m3["series"]} series, last {M3_HOLDOUT} values held out)

Our engine learns model weights and interval factors only from the training part of each series
(cut at each of its last {M3_HOLDOUT} points); statsmodels' Theta is fitted to the same training data.
For reference, published M3 results over all 645 yearly series: Naive2 17.88, Theta 16.90 sMAPE;
this subset (MICRO, INDUSTRY, FINANCE, OTHER) is harder.

{_md(t["m3_points"])}

Coverage of central prediction intervals (share of held-out values inside):

{_md(t["m3_cover"])}

**Findings.** {_m3_findings(m3)}

## 2. 安康市 yearbook series (real: registered unemployed persons 2000–2019, urban non-private unit employment 2000–2022)

Rolling origins 2008–2021, horizons 1–{summary["max_horizon"]}; weights and interval factors at each origin come
only from earlier outcomes. Two series only: read the coverage as indicative.

{_md(t["city_points"])}

{_md(t["city_cover"])}

## 3. County submissions (SAMPLE, constructed): rolling origins {summary["sample"]["first_origin"]}–{summary["sample"]["last_year"] - 1}, horizons 1–{summary["max_horizon"]}, all regions and indicators

{_md(t["sample_points"])}

{_md(t["sample_cover"])}

By horizon (calibrated):

{_md(t["sample_cover_h"])}

### Probability that next year's annual task (目标任务) is met

Brier score (lower is better) of our h = 1 probability against deterministic rules turned into
forecasts: persistence (last year's value already meets next year's task → 1, else 0), the
Eurostat-style ratio (last value / task ≥ 95% → 1), and climatology (the share of earlier tasks met).

{_md(t["brier"])}

Reliability of our probabilities (predicted against observed frequency, by decile):

{_md(t["reliability"])}
"""


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
