"""Command line: ``python -m pipeline <stage> ...`` — see ``python -m pipeline --help``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import PROCESSED_DIR, RAW_DIR, REPORTS_DIR, REVIEW_DIR

if TYPE_CHECKING:  # the runner is imported only by the commands that run it
    from pipeline.runner.run import RunOptions


def run_options(args: argparse.Namespace) -> RunOptions:
    """The one options object of a ``report`` (or ``stages``) command, built once from its flags."""
    from pipeline.runner.run import RunOptions

    roots = {
        name: getattr(args, name)
        for name in ("processed_root", "reports_root", "builds_root")
        if getattr(args, name, None) is not None
    }
    return RunOptions(
        args.year, args.raw or RAW_DIR, unit=getattr(args, "unit", None),
        workers=getattr(args, "jobs", None), use_quarto=getattr(args, "quarto", None),
        force=getattr(args, "force", False), accept_changes=getattr(args, "accept_changes", False),
        review_dir=args.review or REVIEW_DIR, scheduler=getattr(args, "scheduler", None),
        progress=not getattr(args, "quiet", False),
        reuse_kernels=getattr(args, "reuse_kernels", None),
        stamp_key=getattr(args, "stamp", None), **roots,
    )  # fmt: skip


def _report(args: argparse.Namespace) -> int:
    options = run_options(args)
    if options.unit:
        return _unit_report(options, args.raw, getattr(args, "summary", None))
    from pipeline.runner.run import run_year
    from pipeline.store.catalog import read_render_record, renderer_line

    result = run_year(options)
    if getattr(args, "summary", None):  # for python -m pipeline towns (pipeline/runner/units.py)
        from pipeline.runner.units import write_summary

        write_summary(result, args.summary)
    record = read_render_record(result.folder)
    rendered = renderer_line(record) if record else "报告渲染器：（未找到渲染记录）"
    if not result.changed:
        print(
            f"没有变化：{args.year}年的报表、配置、笔记本与代码都与上次发布时相同，未重新运行"
            f"（{result.seconds:.1f} 秒）。报告：{result.folder}（--force 可强制重建）\n{rendered}"
        )
        return 0
    reused = f"，{len(result.reused)} 个未变化的阶段沿用上次结果" if result.reused else ""
    print(
        f"报告已发布：{result.folder}（运行 {len(result.ran)} 个阶段{reused}，"
        f"用时 {result.seconds:.0f} 秒）\n{rendered}"
    )
    return 0


EXTRA_INPUT_WORDS = {
    "raw": "data/raw/ 截至{year}年的报表",
    "reference": "data/reference/",
    "backtest": "docs/backtest/",
    "review": "data/review/{year}.yaml（及计入的以前年份的：上一年；规划末年为规划期各年）",
    "people": "data/review/contacts.yaml、{year}-nominations.yaml",
    "departments": "data/raw/departments/{year}/ 成员单位任务清单",
    "towns": "data/processed/units/<县区代码>/{year}/ 县区对所辖镇（办）的考核结果（有则摘入县区详情）",
}


def _stages(args: argparse.Namespace) -> int:
    """The stage graph (pipeline/stages/registry.py) and what the next make report would rerun, and why."""
    from pipeline.config.regions import tier_words
    from pipeline.runner.run import outlook
    from pipeline.stages.registry import STAGES

    print(f"{args.year}年的阶段（每个阶段在 pipeline/stages/registry.py 中声明一次）：")
    for spec in STAGES:
        times = f"每个{tier_words().members_short} 1 次" if spec.per == "county" else "1 次"
        label = spec.label_for(
            args.year, None, "各" + tier_words().members if spec.per == "county" else None
        )
        extra = "、".join(
            EXTRA_INPUT_WORDS[kind].format(year=args.year) for kind in spec.extra_inputs
        )
        print(f"\n  {spec.name}：{label}（notebooks/{spec.notebook}，{times}）")
        print(f"    读：{'、'.join(spec.reads) or '—'}" + (f"；另读 {extra}" if extra else ""))
        print(f"    写：{'、'.join(spec.writes)}")
    rows = outlook(run_options(args))
    print(f"\n与已发布的构建相比，下一次 make report YEAR={args.year} 将：")
    for row in rows:
        print(f"  {'重跑' if row.reruns else '沿用'}  {row.stage.label}：{row.reason}")
    print(
        f"\n共 {sum(r.reruns for r in rows)} 个阶段重跑，{sum(not r.reruns for r in rows)} 个沿用。"
    )
    return 0


def _unit_report(options: RunOptions, raw: Path | None, summary: Path | None = None) -> int:
    """A county's assessment of its towns: the same run on the unit's materialised configuration
    folder, in a new process (the configuration folder is read when ``pipeline`` is imported);
    ``raw`` is the folder given on the command line (None: the unit's own)."""
    import subprocess

    from pipeline.config.units import unit_run

    flags = [f"--jobs={options.workers}"] if options.workers else []
    flags += ["--force"] * options.force + ["--quiet"] * (not options.progress)
    flags += (
        [] if options.use_quarto is None else ["--quarto" if options.use_quarto else "--no-quarto"]
    )
    flags += [f"--scheduler={options.scheduler}"] if options.scheduler else []
    flags += ["--accept-changes"] * options.accept_changes
    if options.reuse_kernels is not None:
        flags.append("--reuse-kernels" if options.reuse_kernels else "--no-reuse-kernels")
    flags += [f"--summary={summary}"] if summary else []
    flags += [f"--stamp={options.stamp_key}"] if options.stamp_key else []
    command, env = unit_run(options.unit, options.year, raw, flags)
    return subprocess.run(command, env=env, check=False).returncode


def _towns(args: argparse.Namespace) -> int:
    import time

    from pipeline.runner.units import run_towns, summary_lines

    started = time.perf_counter()
    outcomes = run_towns(args.year, jobs=args.jobs, force=args.force, quarto=args.quarto)
    print("\n".join(summary_lines(args.year, outcomes, time.perf_counter() - started)))
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _departments(args: argparse.Namespace) -> int:
    """The member departments' task lists of a year: checked (the log), scored, the score table
    printed; ``--out`` also writes the workbook sheet."""
    from pipeline.annual.departments import assess_departments
    from pipeline.intake.departments import read_departments

    tasks, log = read_departments(args.raw, args.year)
    print(log.format())
    if log.has_failures:
        print("有 FAIL 级问题，未计分：请成员单位改正后重新报送。", file=sys.stderr)
        return 1
    results = assess_departments(tasks)
    if results.is_sample:
        print("（样例数据：成员单位名单、任务清单和完成情况都是样例，不得用于考核）")
    for row in results.scores.itertuples():
        print(
            f"{row.rank:>2}  {row.region}  {row.score:.2f}分  {row.grade}  {row.deductions or ''}"
        )
    for title, suggestions in (
        ("建议约谈", results.interviews),
        ("建议表扬", results.commendations),
    ):
        print(
            f"{title}："
            + ("；".join(f"{s.region}（{'，'.join(s.reasons)}）" for s in suggestions) or "无")
        )
    if args.out:
        from pipeline.report.chapters.departments import sheet
        from pipeline.report.workbook.writer import write_workbook

        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_workbook([sheet(results)], args.out)
        print(f"已写出 {args.out}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from pipeline.report.publish import publish

    out = args.out or REPORTS_DIR / str(args.year)
    out.mkdir(parents=True, exist_ok=True)
    for path in publish(args.processed, args.year, out, use_quarto=args.quarto):
        print(path)
    return 0


def _documents(args: argparse.Namespace) -> int:
    from pipeline.documents.build import make_documents
    from pipeline.store.catalog import scratch_dir

    # The published documents are made by `make report` (its documents stage); this command
    # writes a copy elsewhere (e.g. to try a contacts file), never into the published build.
    out = args.out or scratch_dir() / f"documents-{args.year}"
    built = make_documents(
        args.processed, args.year, out, review_dir=args.review or REVIEW_DIR,
        accept_changes=args.accept_changes, use_quarto=args.quarto, pdf=args.pdf,
    )  # fmt: skip
    if built.message:
        print(built.message)
    print(
        f"公文已生成（.docx 由 {built.renderer} 生成）：{len(built.docx)} 个 .docx、{len(built.pdf)} 个 PDF → {out}"
    )
    return 0


def _read_path(path: Path):
    """Frames and log of one path: a year folder (data/raw/2024), a folder of year folders
    (data/raw), or a single file (the year is its folder's name; long-format files carry theirs)."""
    from pipeline.intake import qa
    from pipeline.intake.ingest import (
        check_raw_dir_entries,
        is_year_folder,
        read_submission,
        read_year_folder,
    )
    from pipeline.intake.qa import QaLog

    log = QaLog()
    if path.is_dir():
        folders = (
            [path]
            if is_year_folder(path)
            else sorted(p for p in path.iterdir() if is_year_folder(p))
        )
        if not is_year_folder(path):
            check_raw_dir_entries(path, log)
        if not folders:
            qa.one_file_per_year(
                log,
                "读取",
                "FAIL",
                "文件夹中没有年份文件夹：应为 <年份>/<报表文件>（如 data/raw/2024/），或直接给出年份文件夹",
                file=str(path),
            )
        frames = []
        latest = max((int(f.name) for f in folders), default=None)
        for folder in folders:  # the latest year is the one being assessed
            tidy, folder_log = read_year_folder(
                folder, int(folder.name), assessed=int(folder.name) == latest
            )
            frames.append(tidy)
            log.extend(folder_log)
        return frames, log
    if path.exists():
        year = int(path.parent.name) if is_year_folder(path.parent) else None
        tidy, file_log = read_submission(path, year, assessed=True)
        return [tidy], file_log
    qa.file_readable(log, "读取", "FAIL", "文件或文件夹不存在", file=str(path))
    return [], log


def _read_paths(paths: list[Path]):
    """Read every path into one tidy table, validated, and the QA log of both stages."""
    from pipeline.intake.qa import QaLog
    from pipeline.intake.tidy import concat
    from pipeline.intake.validate import validate

    frames, log = [], QaLog()
    for path in paths:
        path_frames, path_log = _read_path(path)
        frames.extend(path_frames)
        log.extend(path_log)
    tidy = concat(frames)
    log.extend(validate(tidy))
    return tidy, log


def _validate(args: argparse.Namespace) -> int:
    _, log = _read_paths(args.paths)
    print(log.format())
    return 1 if log.has_failures else 0


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.store.inert import write_csv

    tidy, log = _read_paths(args.paths)
    if log.has_failures:
        print(log.format(), file=sys.stderr)
        print("有 FAIL 级问题，未写出整洁表。", file=sys.stderr)
        return 1
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(tidy, args.out)
    except OSError as error:
        from pipeline.store.catalog import describe_os_error

        print(f"错误：无法写出 {args.out}：{describe_os_error(error)}", file=sys.stderr)
        return 2
    print(f"已写出 {len(tidy)} 行：{args.out}")
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from pipeline.forecast.series_file import forecast_file

    forecast_file(args.input, args.horizon, args.out)
    print(f"已写出预测：{args.out}")
    return 0


def _fonts(args: argparse.Namespace) -> int:
    from pipeline.report.fonts import CJK_FAMILY, configure_matplotlib, rebuild_font_cache

    if args.rebuild_cache:
        rebuild_font_cache()
    configure_matplotlib()
    print(f"matplotlib 字体可用：{CJK_FAMILY}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from pipeline.tools.bench import run_benchmarks, run_towns_benchmark

    if args.towns_only:
        return run_towns_benchmark()
    return run_benchmarks(
        tuple(int(x) for x in args.regions.split(",") if x),
        tuple(int(x) for x in args.workers.split(",") if x),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="安康市就业工作目标责任制年度考核流水线。各阶段：report（清洗→预测→发布）、validate、ingest、forecast、publish。",
    )
    stages = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")

    report = stages.add_parser("report", help="全流程：逐地区运行清洗与预测笔记本，再发布年度报告")
    report.add_argument("--year", type=int, required=True)
    report.add_argument(
        "--raw",
        type=Path,
        default=None,
        help="原始报表文件夹（默认 data/raw；--unit 时默认 data/raw/units/<代码>）",
    )
    report.add_argument(
        "--unit",
        default=None,
        metavar="县区代码",
        help="县区对所辖镇（办）的考核（config/units/<代码>/unit.yaml），输出到 reports/units/<代码>/",
    )
    for root in ("processed", "reports", "builds"):
        report.add_argument(f"--{root}-root", type=Path, default=None, help=argparse.SUPPRESS)
    # both for python -m pipeline towns (pipeline/runner/units.py, pipeline/runner/stamp.py)
    report.add_argument("--summary", type=Path, default=None, help=argparse.SUPPRESS)
    report.add_argument("--stamp", default=None, help=argparse.SUPPRESS)
    report.add_argument(
        "--jobs", type=int, default=None, help="同时运行的阶段（笔记本）数，默认为 CPU 核数"
    )
    report.add_argument("--force", action="store_true", help="忽略上次的结果，全部阶段重新运行")
    report.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://主机:端口",
        help="在 Dask 分布式集群上运行各阶段（不需共享磁盘：输入随任务发出、输出送回；各节点须是同一版本的项目副本，见 docs/running.md）",
    )
    report.add_argument("--quiet", action="store_true", help="不显示进度条")
    report.add_argument(
        "--reuse-kernels",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="各阶段笔记本在每个并行任务的同一个已启动内核中依次运行，每个之间复位（默认；"
        "用 --scheduler 时各 Dask 工作进程每个笔记本一个新内核）；--no-reuse-kernels：每个笔记本一个新内核",
    )
    report.add_argument(
        "--quarto",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="强制使用/不用 Quarto（默认：PATH 中有就用）",
    )
    report.add_argument(
        "--review", type=Path, default=None, help="考评组复核文件所在文件夹（默认 data/review）"
    )
    report.add_argument(
        "--accept-changes", action="store_true", help="审定后输入有变化时仍按新输入生成审定稿"
    )
    report.set_defaults(handler=_report)

    towns = stages.add_parser(
        "towns",
        help="全市镇（办）考核：十个县区各自考核所辖镇（办），然后全市，打印每次运行的结果",
    )
    towns.add_argument("--year", type=int, required=True)
    towns.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="同时运行的县区数（全市运行时为同时运行的阶段数），默认为 CPU 核数",
    )
    towns.add_argument("--force", action="store_true", help="忽略上次的结果，全部重新运行")
    towns.add_argument("--quarto", action=argparse.BooleanOptionalAction, default=None)
    towns.set_defaults(handler=_towns)

    departments = stages.add_parser(
        "departments",
        help="检查并计分成员单位的任务清单（data/raw/departments/<年份>/）；有 FAIL 时退出码为 1",
    )
    departments.add_argument("--year", type=int, required=True)
    departments.add_argument(
        "--raw", type=Path, default=RAW_DIR, help="原始数据文件夹（默认 data/raw）"
    )
    departments.add_argument("--out", type=Path, default=None, help="另写出一张工作簿（.xlsx）")
    departments.set_defaults(handler=_departments)

    validate = stages.add_parser("validate", help="检查报表，打印质量日志；有 FAIL 时退出码为 1")
    validate.add_argument("paths", type=Path, nargs="+", help="报表文件或年份文件夹")
    validate.set_defaults(handler=_validate)

    ingest = stages.add_parser("ingest", help="把报表转换为整洁长表（有 FAIL 时不写出）")
    ingest.add_argument("paths", type=Path, nargs="+")
    ingest.add_argument("--out", type=Path, required=True)
    ingest.set_defaults(handler=_ingest)

    forecast = stages.add_parser(
        "forecast", help="用流水线的预测引擎预测任意年度序列（series_id, t, value）"
    )
    forecast.add_argument("input", type=Path)
    forecast.add_argument("--horizon", type=int, required=True)
    forecast.add_argument("--out", type=Path, required=True)
    forecast.set_defaults(handler=_forecast)

    publish = stages.add_parser("publish", help="仅由已处理数据重新生成报告")
    publish.add_argument("--year", type=int, required=True)
    publish.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    publish.add_argument("--out", type=Path, default=None)
    publish.add_argument("--quarto", action=argparse.BooleanOptionalAction, default=None)
    publish.set_defaults(handler=_publish)

    graph = stages.add_parser(
        "stages", help="列出各阶段（读写什么），以及下一次 make report 会重跑哪些阶段、为什么"
    )
    graph.add_argument("--year", type=int, required=True)
    graph.add_argument("--raw", type=Path, default=RAW_DIR)
    graph.add_argument("--review", type=Path, default=None)
    graph.set_defaults(handler=_stages)

    documents = stages.add_parser(
        "documents",
        help="由考核结果另行生成一份公文（默认写入 data/scratch/documents-<年份>；正式公文由 make report 生成）",
    )
    documents.add_argument("--year", type=int, required=True)
    documents.add_argument("--processed", type=Path, default=PROCESSED_DIR)
    documents.add_argument(
        "--review", type=Path, default=None, help="考评组复核文件所在文件夹（默认 data/review）"
    )
    documents.add_argument(
        "--out", type=Path, default=None, help="默认 data/scratch/documents-<年份>"
    )
    documents.add_argument("--quarto", action=argparse.BooleanOptionalAction, default=None)
    documents.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=True)
    documents.add_argument(
        "--accept-changes", action="store_true", help="审定后输入有变化时仍按新输入生成审定稿"
    )
    documents.set_defaults(handler=_documents)

    fonts = stages.add_parser("fonts", help="检查（或重建）matplotlib 的中文字体缓存")
    fonts.add_argument("--rebuild-cache", action="store_true")
    fonts.set_defaults(handler=_fonts)

    bench = stages.add_parser("bench", help="速度与内存基准，写出 docs/benchmark.md")
    bench.add_argument("--regions", default="11,50,200", help="合成地区数，逗号分隔")
    bench.add_argument("--workers", default="1,2", help="并行数，逗号分隔")
    bench.add_argument(
        "--towns-only",
        action="store_true",
        help="只测量全市镇（办）考核（make towns），只改写 docs/benchmark.md 的第5节",
    )
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipeline.config.schema import ConfigError
    from pipeline.intake import IntakeError

    try:
        return args.handler(args)
    except (ConfigError, IntakeError, FileNotFoundError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # RunFailed lists every failed stage; RunLocked names the holder
        print(f"错误：{error}", file=sys.stderr)
        return 1
    except OSError as error:  # a read-only folder, a full disk: words, not a traceback
        from pipeline.store.catalog import describe_os_error

        print(f"错误：{describe_os_error(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
