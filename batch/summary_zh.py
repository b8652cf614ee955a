"""The coordinator's summaries in Simplified Chinese (`prescreen batch --lang zh`).

The counts are the English summary's (summary.summarise); the words, criterion names, verdicts
and per-patient reasons are Chinese, the reasons built from each report's structured parts by
reporting.reason (never translated from the English reason strings). Dates are written
2026年11月24日. Like the English files, both are rebuilt from the JSONL alone.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from reporting import date_zh, label, reason, words

from .outfile import atomic_write, patient_of, read_lines
from .summary import VERDICTS, Summary, summarise

# Spreadsheets run a cell that starts with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class RowZh:
    patient: str
    verdict: str
    failed: list[str]
    reasons: list[str]
    missing: list[str]
    error: str


def rows_zh(path: Path) -> list[RowZh]:
    rows = []
    for line in read_lines(path):
        verdict = str(line.get("verdict"))
        if verdict == "error":
            rows.append(RowZh(patient_of(line), verdict, [], [], [], str(line.get("error", ""))))
            continue
        criteria = [c for c in line.get("criteria") or [] if isinstance(c, dict)]
        failed = [c for c in criteria if c.get("status") == "fail"]
        shown = failed or [c for c in criteria if c.get("status") == "unknown"]
        as_of = line.get("as_of")
        rows.append(RowZh(
            patient_of(line), verdict, [label(str(c["id"])) for c in failed],
            [f"{label(str(c['id']))}：{reason(c, as_of)}" for c in shown],
            [label(str(m)) for m in line.get("missing") or []], "",
        ))  # fmt: skip
    order = {v: i for i, v in enumerate(VERDICTS)}
    rows.sort(key=lambda r: (order.get(r.verdict, 9), r.patient))
    return rows


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def write_csv_zh(rows: list[RowZh], path: Path) -> None:
    w_ = words()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(w_["summary"]["csv_columns"])
    verdicts = w_["verdicts"]
    for r in rows:
        w.writerow([_cell(x) for x in (r.patient, verdicts.get(r.verdict, r.verdict), "；".join(r.failed),
                                       " | ".join(r.reasons), "、".join(r.missing), r.error)])  # fmt: skip
    # BOM: Excel then reads the file as UTF-8.
    atomic_write(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bar(n: int, total: int) -> str:
    pct = 100.0 * n / total if total else 0.0
    return f'<span class="bar" style="width:{pct:.1f}%"></span>'


def _th(cols: list[str], extra: str = "") -> str:
    return "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + extra + "</tr>"


def render_html_zh(s: Summary, rows: list[RowZh], *, title: str, facts: list[tuple[str, str]]) -> str:
    w = words()
    t, verdicts, kinds = w["summary"], w["verdicts"], w["kinds"]
    total = sum(s.verdicts.values())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        "<style>body{font:14px/1.5 system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;"
        "margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}td.n{text-align:right}"
        ".bar{display:inline-block;height:.8em;background:#4a7fb5}.w{width:12em}"
        ".potentially_eligible{color:#176b2c;font-weight:600}.ineligible{color:#8a1c1c}"
        ".error{color:#b35c00;font-weight:600}small{color:#666}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts) + "</table>",
        f"<h2>{_e(t['verdicts_head'])}</h2><table>"
        f"<tr><th>{_e(t['verdict_col'])}</th><th>{_e(t['patients_col'])}</th><th class=w></th></tr>",
    ]
    for v in VERDICTS:
        n = s.verdicts.get(v, 0)
        parts.append(f'<tr><td class="{v}">{_e(verdicts[v])}</td><td class=n>{n}</td>'
                     f"<td class=w>{_bar(n, total)}</td></tr>")
    parts.append(f"<tr><th>{_e(t['total'])}</th><td class=n>{total}</td><td></td></tr></table>")

    parts.append(f"<h2>{_e(t['funnel_head'])}</h2><p><small>{_e(t['funnel_note'])}</small></p><table>"
                 + _th(t["funnel_cols"], "<th class=w></th>"))
    remaining = s.reports
    parts.append(f"<tr><td>{_e(t['screened'])}</td><td></td><td></td><td></td><td class=n>{remaining}</td>"
                 f"<td class=w>{_bar(remaining, s.reports)}</td></tr>")
    for cid, kind in s.criteria:
        if not s.fails.get(cid):
            continue
        remaining -= s.removed.get(cid, 0)
        parts.append(f"<tr><td>{_e(label(cid))}</td><td>{_e(kinds.get(kind, kind))}</td>"
                     f"<td class=n>{s.removed.get(cid, 0)}</td><td class=n>{s.fails[cid]}</td>"
                     f"<td class=n>{remaining}</td><td class=w>{_bar(remaining, s.reports)}</td></tr>")
    parts.append("</table>")

    parts.append(f"<h2>{_e(t['missing_head'])}</h2><p><small>{_e(t['missing_note'])}</small></p><table>"
                 + _th(t["missing_cols"]))

    def most_open(kv: tuple[str, int]) -> tuple[int, int, str]:
        return (-s.missing_open.get(kv[0], 0), -kv[1], kv[0])

    for cid, n in sorted(s.missing_all.items(), key=most_open):
        parts.append(f"<tr><td>{_e(label(cid))}</td><td class=n>{s.missing_open.get(cid, 0)}</td>"
                     f"<td class=n>{n}</td></tr>")
    parts.append("</table>")

    parts.append(f"<h2>{_e(t['patients_head'])}</h2><table>" + _th(t["patients_cols"]))
    for r in rows:
        reasons = _e(r.error) if r.verdict == "error" else "<br>".join(_e(x) for x in r.reasons)
        parts.append(f'<tr><td>{_e(r.patient)}</td><td class="{_e(r.verdict)}">'
                     f"{_e(verdicts.get(r.verdict, r.verdict))}</td><td>{reasons}</td>"
                     f"<td>{_e('、'.join(r.missing))}</td></tr>")
    parts.append("</table></body></html>\n")
    return "\n".join(parts)


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
    atomic_write(html_path, render_html_zh(summary, rows, title=words()["summary"]["title"], facts=facts)
                 .encode("utf-8"))  # fmt: skip
    return summary
