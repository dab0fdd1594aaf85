"""What 审定 means for the documents: they say 征求意见稿 until the review marks the year 审定 (date and
文号); the first build after 审定 records what was approved beside the review, and a later build whose
inputs differ refuses unless told to, saying what changed."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.annual.review import APPROVED, DRAFT, REVIEW_DIR, Review
from pipeline.config.regions import counties


def approval_path(year: int, review_dir: Path = REVIEW_DIR) -> Path:
    """Beside the review: the fingerprint of what was approved (written at the first build after 审定)."""
    return review_dir / f"{year}.approved.json"


class StageError(RuntimeError):
    """A rebuild of an approved (审定) year whose inputs changed since approval."""


def stage_label(review: Review) -> str:
    if review.stage.status == APPROVED:
        return f"审定稿（{review.stage.document_number}，{review.stage.date:%Y年%m月%d日}审定）"
    return DRAFT


def check_approval(
    year: int, review: Review, fingerprint: dict, review_dir: Path = REVIEW_DIR,
    accept_changes: bool = False,
) -> str:  # fmt: skip
    """After 审定, the documents may only be rebuilt from the approved inputs. The first build after
    审定 records the fingerprint beside the review; a later build whose fingerprint differs
    refuses (StageError, naming what changed) unless ``accept_changes``, which records the new one."""
    if review.stage.status != APPROVED:
        return ""
    path = approval_path(year, review_dir)
    record = {
        "审定日期": review.stage.date.isoformat(), "文号": review.stage.document_number,
        "entries": [e.model_dump(mode="json") for e in review.entries], "fingerprint": fingerprint,
    }  # fmt: skip
    if path.exists():
        approved = json.loads(path.read_text(encoding="utf-8"))
        changed = _differences(approved, record)
        if not changed:
            return ""
        if not accept_changes:
            raise StageError(
                f"{year}年已于{review.stage.date}审定（{review.stage.document_number}），但此后输入有变化：\n"
                + "\n".join(f"- {c}" for c in changed)
                + f"\n如确需按新数据重新生成审定稿，请加 --accept-changes（将更新 {path}）。"
            )
        message = "已按新输入更新审定记录：" + "；".join(changed)
    else:
        message = f"已记录审定时的输入指纹：{path}"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return message


def _differences(approved: dict, current: dict) -> list[str]:
    names = {c.code: c.name for c in counties()}
    changed = []
    for key in ("审定日期", "文号"):
        if approved.get(key) != current[key]:
            changed.append(f"{key}：{approved.get(key)} → {current[key]}")
    if approved.get("entries") != current["entries"]:
        changed.append("复核事项（entries）有增删或修改")
    for part, value in current["fingerprint"].items():
        old = approved.get("fingerprint", {}).get(part)
        if isinstance(value, dict) and isinstance(old, dict):
            regions = [
                names.get(c, c) for c in sorted(set(value) | set(old)) if value.get(c) != old.get(c)
            ]
            if regions:
                changed.append(f"{part}：{'、'.join(regions)}的数据变了")
        elif value != old:
            changed.append(f"{part}有变化")
    return changed
