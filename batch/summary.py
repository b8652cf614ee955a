"""The coordinator's summaries of a batch file: a per-patient CSV and a one-page HTML.

Both are rebuilt from the JSONL alone (so a resumed run summarises every line, old and
new) by one streaming pass that keeps a short row per patient, never whole reports.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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
    sort_rows(s.rows)
    return s


def sort_rows(rows: list[Row]) -> None:
    """Verdicts in VERDICTS order, then patients by id (both languages list them alike)."""
    order = {v: i for i, v in enumerate(VERDICTS)}
    rows.sort(key=lambda r: (order.get(r.verdict, 9), r.patient))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_table_csv(path: Path, columns: Sequence[str], cells: Iterable[Sequence[str]]) -> None:
    """A CSV for spreadsheets: CRLF lines, formula-like cells defused, a UTF-8 BOM."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in cells:
        w.writerow([_cell(x) for x in row])
    # BOM: Excel then reads the file as UTF-8 (reasons hold µ, ≥ and Chinese drug names).
    atomic_write(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def write_csv(summary: Summary, path: Path) -> None:
    write_table_csv(path, CSV_COLUMNS, ((r.patient, r.verdict, "; ".join(r.failed), " | ".join(r.reasons),
                                         "; ".join(r.missing), r.error) for r in summary.rows))


def write_html(summary: Summary, path: Path, *, title: str, facts: list[tuple[str, str]]) -> None:
    atomic_write(path, render_html(summary, title=title, facts=facts).encode("utf-8"))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bar(n: int, total: int) -> str:
    pct = 100.0 * n / total if total else 0.0
    return f'<span class="bar" style="width:{pct:.1f}%"></span>'


def _th(cols: Sequence[str], extra: str = "") -> str:
    return "<tr>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + extra + "</tr>"


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Words:
    """What the HTML page says in one language. Headings, column heads and labels are text
    (escaped when written); the two notes are HTML. `criterion`, `kind` and `verdict` name an
    id, a criterion kind and a verdict; `joiner` joins the missing criteria of a patient."""

    lang: str
    font: str
    verdicts_head: str
    verdicts_cols: Sequence[str]
    total: str
    funnel_head: str
    funnel_note: str
    funnel_cols: Sequence[str]
    screened: str
    missing_head: str
    missing_note: str
    missing_cols: Sequence[str]
    patients_head: str
    patients_cols: Sequence[str]
    criterion: Callable[[str], str] = _same
    kind: Callable[[str], str] = _same
    verdict: Callable[[str], str] = lambda v: VERDICT_WORDS.get(v, v)
    joiner: str = ", "


ENGLISH = Words(
    lang="en",
    font="14px/1.4 system-ui,sans-serif",
    verdicts_head="Verdicts",
    verdicts_cols=("verdict", "patients"),
    total="total",
    funnel_head="Attrition funnel",
    funnel_note="Patients with a report, then each criterion in the trial's order removes those it is the "
    "first to rule out. &ldquo;fail&rdquo; counts every patient that criterion fails, whichever came first.",
    funnel_cols=("criterion", "kind", "removed", "fail", "remaining"),
    screened="screened (reports)",
    missing_head="Most often missing",
    missing_note="Criteria the record could not settle: what to ask or repeat. &ldquo;not ruled out&rdquo; "
    "counts only patients who are not ineligible, for whom asking can change the verdict.",
    missing_cols=("criterion", "not ruled out", "all reports"),
    patients_head="Patients",
    patients_cols=("patient", "verdict", "reasons", "missing"),
)


def render_html(summary: Summary, *, title: str, facts: list[tuple[str, str]], words: Words = ENGLISH,
                rows: list[Row] | None = None) -> str:
    """The one-page summary: `words` gives the language, `rows` the per-patient rows in it
    (default: the summary's own, in English)."""
    s, w = summary, words
    total = sum(s.verdicts.values())
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{w.lang}"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        f"<style>body{{font:{w.font};margin:2em;color:#222}}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}"
        ".bar{display:inline-block;height:.8em;background:#4a7fb5}.w{width:12em}"
        ".potentially_eligible{color:#176b2c;font-weight:600}.ineligible{color:#8a1c1c}"
        ".error{color:#b35c00;font-weight:600}small{color:#666}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts) + "</table>",
        f"<h2>{_e(w.verdicts_head)}</h2><table>" + _th(w.verdicts_cols, "<th class=w></th>"),
    ]
    for v in VERDICTS:
        n = s.verdicts.get(v, 0)
        parts.append(f'<tr><td class="{v}">{_e(w.verdict(v))}</td><td class=n>{n}</td>'
                     f"<td class=w>{_bar(n, total)}</td></tr>")
    parts.append(f"<tr><th>{_e(w.total)}</th><td class=n>{total}</td><td></td></tr></table>")

    parts.append(f"<h2>{_e(w.funnel_head)}</h2><p><small>{w.funnel_note}</small></p><table>"
                 + _th(w.funnel_cols, "<th class=w></th>"))
    remaining = s.reports
    parts.append(f"<tr><td>{_e(w.screened)}</td><td></td><td></td><td></td><td class=n>{remaining}</td>"
                 f"<td class=w>{_bar(remaining, s.reports)}</td></tr>")
    for cid, kind in s.criteria:
        if not s.fails.get(cid):
            continue
        remaining -= s.removed.get(cid, 0)
        parts.append(f"<tr><td>{_e(w.criterion(cid))}</td><td>{_e(w.kind(kind))}</td>"
                     f"<td class=n>{s.removed.get(cid, 0)}</td><td class=n>{s.fails[cid]}</td>"
                     f"<td class=n>{remaining}</td><td class=w>{_bar(remaining, s.reports)}</td></tr>")
    parts.append("</table>")

    parts.append(f"<h2>{_e(w.missing_head)}</h2><p><small>{w.missing_note}</small></p><table>"
                 + _th(w.missing_cols))

    def most_open(kv: tuple[str, int]) -> tuple[int, int, str]:
        return (-s.missing_open.get(kv[0], 0), -kv[1], kv[0])

    for cid, n in sorted(s.missing_all.items(), key=most_open):
        parts.append(f"<tr><td>{_e(w.criterion(cid))}</td><td class=n>{s.missing_open.get(cid, 0)}</td>"
                     f"<td class=n>{n}</td></tr>")
    parts.append("</table>")

    parts.append(f"<h2>{_e(w.patients_head)}</h2><table>" + _th(w.patients_cols))
    for r in s.rows if rows is None else rows:
        reasons = _e(r.error) if r.verdict == "error" else "<br>".join(_e(x) for x in r.reasons)
        parts.append(f'<tr><td>{_e(r.patient)}</td><td class="{_e(r.verdict)}">'
                     f"{_e(w.verdict(r.verdict))}</td><td>{reasons}</td>"
                     f"<td>{_e(w.joiner.join(r.missing))}</td></tr>")
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
