"""The coordinator's summaries of a batch file: a per-patient CSV and a one-page HTML.

Both are rebuilt from the JSONL alone (so a resumed run summarises every line, old and
new) by one streaming pass that keeps a short row per patient, never whole reports.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from eligibility.report import VERDICT_WORDS as REPORT_VERDICT_WORDS

from .outfile import atomic_write, patient_of, read_lines

# "deceased" is counted apart from the other ineligible patients (criteria.md, Deceased).
VERDICTS = ("potentially_eligible", "needs_information", "ineligible", "deceased", "error")
VERDICT_WORDS = {**REPORT_VERDICT_WORDS, "deceased": "deceased (ineligible)", "error": "error"}
CSV_COLUMNS = ("patient", "verdict", "failed", "reasons", "missing", "error")
# Spreadsheets run a cell that starts with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    patient: str
    verdict: str
    failed: list[str]
    reasons: list[str]
    missing: list[str]
    error: str


@dataclass
class Summary:
    rows: list[Row] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)
    criteria: list[tuple[str, str]] = field(default_factory=list)  # (id, kind) in trial order
    fails: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)  # first failing criterion, trial order
    missing_all: Counter[str] = field(default_factory=Counter)
    missing_open: Counter[str] = field(default_factory=Counter)  # among those not ruled out
    rules_versions: set[str] = field(default_factory=set)
    as_of: set[str] = field(default_factory=set)

    @property
    def reports(self) -> int:
        """Patients screened on their criteria (not errors, not deceased)."""
        return sum(n for v, n in self.verdicts.items() if v not in ("error", "deceased"))


def summarise(path: Path) -> Summary:
    s = Summary()
    known: set[str] = set()
    for line in read_lines(path):
        verdict = str(line.get("verdict"))
        s.verdicts[verdict] += 1
        if verdict == "error":
            s.rows.append(Row(patient_of(line), verdict, [], [], [], str(line.get("error", ""))))
            continue
        if line.get("rules_version"):
            s.rules_versions.add(str(line["rules_version"]))
        if line.get("as_of"):
            s.as_of.add(str(line["as_of"]))
        died = next((str(n) for n in line.get("notes") or [] if str(n).startswith("deceased")), None)
        if died:
            s.verdicts[verdict] -= 1
            s.verdicts["deceased"] += 1
            s.rows.append(Row(patient_of(line), verdict, [], [died], [], ""))
            continue
        criteria = [c for c in line.get("criteria") or [] if isinstance(c, dict)]
        for c in criteria:
            if c.get("id") not in known:
                known.add(str(c.get("id")))
                s.criteria.append((str(c.get("id")), str(c.get("kind", ""))))
        failed = [c for c in criteria if c.get("status") == "fail"]
        for c in failed:
            s.fails[str(c["id"])] += 1
        if failed:
            s.removed[str(failed[0]["id"])] += 1  # criteria come in trial order
        missing = [str(m) for m in line.get("missing") or []]
        s.missing_all.update(missing)
        if verdict != "ineligible":
            s.missing_open.update(missing)
        shown = failed or [c for c in criteria if c.get("status") == "unknown"]
        s.rows.append(Row(patient_of(line), verdict, [str(c["id"]) for c in failed],
                          [f"{c['id']}: {c.get('reason', '')}" for c in shown], missing, ""))
    order = {v: i for i, v in enumerate(VERDICTS)}
    s.rows.sort(key=lambda r: (order.get(r.verdict, 9), r.patient))
    return s


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(summary: Summary, path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in summary.rows:
        w.writerow([_cell(x) for x in (r.patient, r.verdict, "; ".join(r.failed), " | ".join(r.reasons),
                                       "; ".join(r.missing), r.error)])
    # BOM: Excel then reads the file as UTF-8 (reasons hold µ, ≥ and Chinese drug names).
    atomic_write(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def write_html(summary: Summary, path: Path, *, title: str, facts: list[tuple[str, str]]) -> None:
    atomic_write(path, render_html(summary, title=title, facts=facts).encode("utf-8"))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bar(n: int, total: int) -> str:
    pct = 100.0 * n / total if total else 0.0
    return f'<span class="bar" style="width:{pct:.1f}%"></span>'


def render_html(summary: Summary, *, title: str, facts: list[tuple[str, str]]) -> str:
    s = summary
    total = sum(s.verdicts.values())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}"
        ".bar{display:inline-block;height:.8em;background:#4a7fb5}.w{width:12em}"
        ".potentially_eligible{color:#176b2c;font-weight:600}.ineligible{color:#8a1c1c}"
        ".error{color:#b35c00;font-weight:600}small{color:#666}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts) + "</table>",
        "<h2>Verdicts</h2><table><tr><th>verdict</th><th>patients</th><th class=w></th></tr>",
    ]
    for v in VERDICTS:
        n = s.verdicts.get(v, 0)
        parts.append(f'<tr><td class="{v}">{_e(VERDICT_WORDS[v])}</td><td class=n>{n}</td>'
                     f"<td class=w>{_bar(n, total)}</td></tr>")
    parts.append(f"<tr><th>total</th><td class=n>{total}</td><td></td></tr></table>")

    parts.append("<h2>Attrition funnel</h2><p><small>Patients with a report, then each criterion "
                 "in the trial's order removes those it is the first to rule out. &ldquo;fail&rdquo; "
                 "counts every patient that criterion fails, whichever came first.</small></p>"
                 "<table><tr><th>criterion</th><th>kind</th><th>removed</th><th>fail</th>"
                 "<th>remaining</th><th class=w></th></tr>")
    remaining = s.reports
    parts.append(f"<tr><td>screened (reports)</td><td></td><td></td><td></td><td class=n>{remaining}</td>"
                 f"<td class=w>{_bar(remaining, s.reports)}</td></tr>")
    for cid, kind in s.criteria:
        if not s.fails.get(cid):
            continue
        remaining -= s.removed.get(cid, 0)
        parts.append(f"<tr><td>{_e(cid)}</td><td>{_e(kind)}</td><td class=n>{s.removed.get(cid, 0)}</td>"
                     f"<td class=n>{s.fails[cid]}</td><td class=n>{remaining}</td>"
                     f"<td class=w>{_bar(remaining, s.reports)}</td></tr>")
    parts.append("</table>")

    parts.append("<h2>Most often missing</h2><p><small>Criteria the record could not settle: what to "
                 "ask or repeat. &ldquo;not ruled out&rdquo; counts only patients who are not "
                 "ineligible, for whom asking can change the verdict.</small></p>"
                 "<table><tr><th>criterion</th><th>not ruled out</th><th>all reports</th></tr>")
    def most_open(kv: tuple[str, int]) -> tuple[int, int, str]:
        return (-s.missing_open.get(kv[0], 0), -kv[1], kv[0])

    for cid, n in sorted(s.missing_all.items(), key=most_open):
        parts.append(f"<tr><td>{_e(cid)}</td><td class=n>{s.missing_open.get(cid, 0)}</td>"
                     f"<td class=n>{n}</td></tr>")
    parts.append("</table>")

    parts.append("<h2>Patients</h2><table><tr><th>patient</th><th>verdict</th><th>reasons</th>"
                 "<th>missing</th></tr>")
    for r in s.rows:
        reasons = r.error if r.verdict == "error" else "<br>".join(_e(x) for x in r.reasons)
        if r.verdict == "error":
            reasons = _e(reasons)
        parts.append(f'<tr><td>{_e(r.patient)}</td><td class="{_e(r.verdict)}">'
                     f"{_e(VERDICT_WORDS.get(r.verdict, r.verdict))}</td><td>{reasons}</td>"
                     f"<td>{_e(', '.join(r.missing))}</td></tr>")
    parts.append("</table></body></html>\n")
    return "\n".join(parts)


def write_summaries(out: Path, csv_path: Path, html_path: Path, *, facts: list[tuple[str, str]],
                    lang: str = "en") -> Summary:
    if lang == "zh":  # issue 12: the same summaries in Simplified Chinese
        from .summary_zh import write_summaries_zh

        return write_summaries_zh(out, csv_path, html_path, facts=facts)
    summary = summarise(out)
    facts = [*facts, ("as of", ", ".join(sorted(summary.as_of)) or "-"),
             ("rules version", ", ".join(sorted(summary.rules_versions)) or "-"),
             ("written", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]
    write_csv(summary, csv_path)
    write_html(summary, html_path, title="NCT03951597 batch pre-screening", facts=facts)
    return summary
