"""The report (contract JSON, as a dict) in Simplified Chinese: one reason per criterion built
from its structured parts, and the clinician's text report of `prescreen check --lang zh`.

Reasons are never translated from the engine's English strings: each is made of the
criterion's Chinese name, its status, the evidence (values with their units, dates in the
Chinese form 2026年11月24日, answers) and what the trial requires (thresholds from
trial.yaml). English text from the engine appears only in investigator notes of a kind this
module does not know, and then marked as the original.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from eligibility.trial import Criterion, load_trial

LAB_EVALUATORS = {"lab_min", "lab_uln", "thyroid", "creatinine_clearance", "hepatitis_viral_load"}
# Evidence named by its unit where a criterion combines several values.
NAMED_BY_UNIT = {"years": "年龄", "kg": "体重", "mg/dL": "血肌酐"}
ANALYTE_NAMES = {"alt": "ALT", "ast": "AST", "tsh": "TSH", "bilirubin": "总胆红素", "creatinine": "血肌酐"}
THYROID_NAMES = ("游离 T3", "游离 T4")
MAX_EVIDENCE = 6
CHILD_PUGH_BY_UNIT = {"mg/dL": "总胆红素", "g/dL": "白蛋白", "{INR}": "INR", "{score}": "评分"}


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    return yaml.safe_load(resources.files("reporting").joinpath("zh.yaml").read_text("utf-8"))


def date_zh(iso: str | date | None) -> str:
    """'2026-11-24' -> '2026年11月24日'; a year-month or year alone likewise; else as given."""
    if iso is None:
        return ""
    text = iso.isoformat() if isinstance(iso, date) else str(iso)
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?:T.*)?", text)
    if not m:
        return text
    y, mo, d = m.groups()
    return f"{int(y)}年{int(mo)}月" + (f"{int(d)}日" if d else "")


def number_zh(value: Any) -> str:
    """Numbers as written in Chinese reports: Arabic digits, no exponent, no trailing zeros."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def unit_zh(unit: str | None) -> str:
    if not unit:
        return ""
    return str(words()["units"].get(unit, unit))


def value_zh(value: Any, unit: str | None = None) -> str:
    w = words()
    if isinstance(value, str):
        return str(w["values"].get(value, value))
    u = unit_zh(unit)
    if u in ("岁", "分", "秒", "公斤") or not u:
        return f"{number_zh(value)}{u}" if u else number_zh(value)
    return f"{number_zh(value)} {u}"


def label(cid: str) -> str:
    return str(words()["labels"].get(cid, cid))


def _criterion(cid: str) -> Criterion | None:
    trial = load_trial()
    return next((c for c in trial.criteria if c.id == cid), None)


def requires(cid: str) -> str:
    """What the trial requires for this criterion, with its thresholds (trial.yaml)."""
    crit = _criterion(cid)
    if crit is None:
        return ""
    template = words()["requires"].get(crit.evaluator) or words()["requires"].get(cid)
    if not template:
        return ""
    fields = {**load_trial().windows, **crit.params}
    fields = {k: (number_zh(v) if isinstance(v, (int, float)) else v) for k, v in fields.items()}
    if "unit_label" in fields:
        fields["unit_label"] = unit_zh(str(fields["unit_label"]))
    try:
        return str(template).format(**fields)
    except (KeyError, IndexError):
        return ""


def _names_for(cid: str, evidence: list[dict]) -> list[str]:
    """A short name for each evidence entry where a criterion combines several values."""
    crit = _criterion(cid)
    valued = [e for e in evidence if e.get("value") is not None]
    names = [""] * len(evidence)
    if crit is None:
        return names
    if crit.evaluator == "thyroid" and len(valued) == 2:
        order = iter(THYROID_NAMES)
        return [next(order) if e.get("value") is not None else "" for e in evidence]
    analytes = crit.params.get("analytes") or []
    if crit.evaluator == "lab_uln" and len(analytes) > 1 and len(valued) == len(analytes):
        order = iter(analytes)
        return [ANALYTE_NAMES.get(next(order), "") if e.get("value") is not None else "" for e in evidence]
    if crit.evaluator == "creatinine_clearance":
        return [_by_unit(e) for e in evidence]
    if crit.evaluator == "child_pugh_a" and len(valued) > 1:
        return [CHILD_PUGH_BY_UNIT.get(str(e.get("unit")), "") for e in evidence]
    return names


def _by_unit(e: dict) -> str:
    return "" if e.get("source") == "derived" else NAMED_BY_UNIT.get(str(e.get("unit")), "")


def _evidence_zh(e: dict, name: str, cid: str) -> str:
    w = words()
    src = e.get("source")
    if src in ("clinician", "patient"):
        return str(w["phrases"]["answered"]).format(who=w["sources"][src], answer=value_zh(e.get("value")))
    bits = []
    if e.get("value") is not None:
        shown = value_zh(e["value"], e.get("unit"))
        if src == "derived":
            shown = str(w["phrases"]["computed"]).format(value=shown)
        bits.append(f"{name} {shown}".strip())
    elif e.get("reference"):
        bits.append(str(e["reference"]))
    # An age's date is the birth date: the age itself says what matters.
    when = date_zh(e.get("date")) if e.get("date") and e.get("unit") != "years" else ""
    ref = e.get("reference") if e.get("value") is not None and isinstance(e.get("value"), str) else None
    extra = "，".join(x for x in (when, ref) if x)
    return "".join(bits) + (f"（{extra}）" if extra else "")


def evidence_text(c: dict) -> str:
    ev = [e for e in c.get("evidence") or [] if isinstance(e, dict)]
    if not ev:
        return ""
    cid = str(c.get("id"))
    if cid == "hypertension" and len(ev) == 2 and all(isinstance(e.get("value"), (int, float)) for e in ev):
        return f"{number_zh(ev[0]['value'])}/{number_zh(ev[1]['value'])} mmHg（{date_zh(ev[0].get('date'))}）"
    names = _names_for(cid, ev)
    shown = [_evidence_zh(e, n, cid) for e, n in zip(ev, names, strict=True)][:MAX_EVIDENCE]
    more = len(ev) - MAX_EVIDENCE
    if more > 0:
        shown.append(str(words()["phrases"]["more"]).format(n=more))
    return "；".join(s for s in shown if s)


def _window(cid: str) -> int:
    crit = _criterion(cid)
    windows = load_trial().windows
    if crit is not None and crit.evaluator == "hepatitis_viral_load":
        return int(windows.get("viral_load", 90))
    return int(windows.get("labs", 28))


def _stale(c: dict, as_of: str | None, window: int) -> bool:
    if not as_of:
        return False
    try:
        day = date.fromisoformat(str(as_of)[:10])
        dates = [date.fromisoformat(str(e["date"])[:10]) for e in c.get("evidence") or [] if e.get("date")]
    except ValueError:
        return False
    return bool(dates) and all((day - d).days > window for d in dates)


def reason(c: dict, as_of: str | None = None) -> str:
    """The Chinese reason of one criterion of a report (a contract `criteria` entry)."""
    w, p = words(), words()["phrases"]
    cid, status = str(c.get("id")), str(c.get("status"))
    crit = _criterion(cid)
    evaluator = crit.evaluator if crit else ""
    ev_text = evidence_text(c)
    need = requires(cid)
    if status == "pending":
        return str(p["pending"])
    if status == "unknown":
        if c.get("conflict"):
            return "；".join(x for x in (str(p["conflict"]), ev_text) if x)
        topic = w["ask_about"].get(cid)
        if evaluator in LAB_EVALUATORS and not (crit and crit.ask):
            window = _window(cid)
            if not ev_text:
                return str(p["no_record_test"]).format(window=window)
            valued = [e for e in c.get("evidence") or [] if e.get("value") is not None]
            if not valued:
                return "；".join((ev_text, str(p["unreadable"])))
            if _stale(c, as_of, window):
                return "；".join((ev_text, str(p["too_old"]).format(window=window)))
            return "；".join(x for x in (ev_text, need) if x)
        if ev_text:
            ask = str(p["ask"]).format(topic=topic) if topic else str(p["not_decisive"])
        else:
            ask = str(p["no_record_ask"]).format(topic=topic) if topic else str(p["no_record"])
        return "；".join(x for x in (ev_text, ask) if x)
    base = ev_text or str(p["none_in_record"])
    return "；".join(x for x in (base, need) if x)


def note_zh(note: str) -> str:
    refs = re.findall(r"\(([^)]*)\)", note)
    for kind in words()["notes"].values():
        if re.match(kind["match"], note):
            return str(kind["text"]).format(refs="，".join(refs), note=note)
    return note


def _refs(c: dict) -> str:
    refs = [str(e["reference"]) for e in c.get("evidence") or [] if e.get("reference")]
    return f" [{', '.join(dict.fromkeys(refs))}]" if refs else ""


def report_text(report: dict) -> str:
    """`prescreen check --format text --lang zh`: the same layout as the English text
    (verdict, what failed and why, what to ask or repeat, what passed, pending, notes)."""
    w, t = words(), words()["text"]
    as_of = report.get("as_of")
    criteria = [c for c in report.get("criteria") or [] if isinstance(c, dict)]
    lines = [
        str(t["head"]).format(
            patient=report.get("patient", ""), trial=report.get("trial", ""), as_of=date_zh(as_of)
        ),
        str(t["verdict"]).format(verdict=w["verdicts"].get(report.get("verdict"), report.get("verdict"))),
    ]
    order = ("fail", "unknown", "pass", "pending")
    groups = {s: [c for c in criteria if c.get("status") == s] for s in order}
    if groups["fail"]:
        lines += ["", str(t["fail"])]
        lines += [f"  x {label(c['id'])}：{reason(c, as_of)}{_refs(c)}" for c in groups["fail"]]
    if groups["unknown"]:
        lines += ["", str(t["unknown"]).format(n=len(groups["unknown"]))]
        lines += [f"  ? {label(c['id'])}：{reason(c, as_of)}" for c in groups["unknown"]]
    if groups["pass"]:
        lines += ["", str(t["pass"]).format(n=len(groups["pass"]))]
        lines += [f"  + {label(c['id'])}：{reason(c, as_of)}" for c in groups["pass"]]
    if groups["pending"]:
        items = str(t["list_sep"]).join(label(c["id"]) for c in groups["pending"])
        lines += ["", str(t["pending"]).format(items=items)]
    if report.get("notes"):
        lines += ["", str(t["notes"])]
        lines += [f"  - {note_zh(str(n))}" for n in report["notes"]]
    lines += ["", str(t["footer"]).format(rules=report.get("rules_version", ""),
                                          hash=str(report.get("input_hash", ""))[:16])]  # fmt: skip
    return "\n".join(lines) + "\n"
