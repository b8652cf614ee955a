"""The coordinator's summaries in Simplified Chinese (`prescreen batch --lang zh`).

The counts and the page layout are the English summary's (summary.summarise, render_html,
write_table_csv); the words, criterion names, verdicts and per-patient reasons are Chinese, the
reasons built from each report's structured parts by reporting.reason (never translated from
the English reason strings). Dates are written 2026年11月24日. Like the English files, both are
rebuilt from the JSONL alone.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

from reporting import date_zh, label, reason, words

from .outfile import atomic_write, patient_of, read_lines
from .summary import Row, Summary, Words, render_html, sort_rows, summarise, write_table_csv


def rows_zh(path: Path) -> list[Row]:
    rows = []
    for line in read_lines(path):
        verdict = str(line.get("verdict"))
        if verdict == "error":
            rows.append(Row(patient_of(line), verdict, [], [], [], str(line.get("error", ""))))
            continue
        criteria = [c for c in line.get("criteria") or [] if isinstance(c, dict)]
        failed = [c for c in criteria if c.get("status") == "fail"]
        shown = failed or [c for c in criteria if c.get("status") == "unknown"]
        as_of = line.get("as_of")
        rows.append(Row(
            patient_of(line), verdict, [label(str(c["id"])) for c in failed],
            [f"{label(str(c['id']))}：{reason(c, as_of)}" for c in shown],
            [label(str(m)) for m in line.get("missing") or []], "",
        ))  # fmt: skip
    sort_rows(rows)
    return rows


def write_csv_zh(rows: list[Row], path: Path) -> None:
    w = words()
    verdicts = w["verdicts"]
    write_table_csv(path, w["summary"]["csv_columns"], (
        (r.patient, verdicts.get(r.verdict, r.verdict), "；".join(r.failed), " | ".join(r.reasons),
         "、".join(r.missing), r.error) for r in rows))  # fmt: skip


def chinese() -> Words:
    """The HTML page's words in Chinese, from reporting/zh.yaml (notes escaped: they are text there)."""
    w = words()
    t, verdicts, kinds = w["summary"], w["verdicts"], w["kinds"]
    return Words(
        lang="zh-CN",
        font="14px/1.5 system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif",
        verdicts_head=t["verdicts_head"],
        verdicts_cols=(t["verdict_col"], t["patients_col"]),
        total=t["total"],
        funnel_head=t["funnel_head"],
        funnel_note=html.escape(t["funnel_note"], quote=True),
        funnel_cols=t["funnel_cols"],
        screened=t["screened"],
        missing_head=t["missing_head"],
        missing_note=html.escape(t["missing_note"], quote=True),
        missing_cols=t["missing_cols"],
        patients_head=t["patients_head"],
        patients_cols=t["patients_cols"],
        criterion=label,
        kind=lambda k: kinds.get(k, k),
        verdict=lambda v: verdicts.get(v, v),
        joiner="、",
    )


def facts_zh(facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The run's facts with Chinese names and values; dates in the Chinese form."""
    t = words()["summary"]
    out = []
    for key, value in facts:
        if key == "as of":
            value = "、".join(date_zh(v.strip()) for v in value.split(",")) if value != "-" else value
        out.append((t["facts"].get(key, key), t["fact_values"].get(value, value)))
    return out


def write_summaries_zh(
    out: Path, csv_path: Path, html_path: Path, *, facts: list[tuple[str, str]]
) -> Summary:
    summary = summarise(out)
    rows = rows_zh(out)
    now = datetime.now(timezone.utc)
    facts = facts_zh([*facts, ("as of", ", ".join(sorted(summary.as_of)) or "-"),
                      ("rules version", ", ".join(sorted(summary.rules_versions)) or "-")])
    facts.append((words()["summary"]["facts"]["written"], f"{date_zh(now.date())} {now:%H:%M} UTC"))
    write_csv_zh(rows, csv_path)
    page = render_html(summary, title=words()["summary"]["title"], facts=facts, words=chinese(), rows=rows)
    atomic_write(html_path, page.encode("utf-8"))
    return summary
