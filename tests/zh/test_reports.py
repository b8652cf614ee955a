"""`prescreen check --lang zh` and `prescreen batch --lang zh` as a user runs them: a real
process on the synthetic cohort folder; the Chinese says what the JSON report says."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli.check import run_check
from fhir_ingest.configure import open_source
from reporting import reason

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "data" / "synthetic" / "bundles"
PRESCREEN = str(Path(sys.executable).parent / "prescreen")
AS_OF = "2026-11-24"
VERDICT_ZH = {"potentially_eligible": "可能符合", "ineligible": "不符合", "needs_information": "需补充信息"}
# Latin words a Chinese clinical report keeps: lab and scale names, units, the trial id.
KEPT = {
    "ecog", "child", "pugh", "recist", "uln", "tsh", "alt", "ast", "hbv", "dna", "hcv", "rna", "hiv", "hbsag",
    "mmhg", "iu", "ml", "min", "mg", "dl", "pd", "ctla", "nct", "pmol", "nmol", "miu", "inr", "pt",
}  # fmt: skip


def prescreen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PRESCREEN, *args], capture_output=True, text=True, timeout=300, cwd=REPO)


def english_words(text: str) -> set[str]:
    text = re.sub(r"\b[A-Z][A-Za-z]+/[\w.\-]+", " ", text)  # FHIR references
    text = re.sub(r"\b[A-Z]\d{2}(?:\.\w+)?\b|\b[A-Z]\d{2}[A-Z]{2}\d*\b", " ", text)  # ICD-10 / ATC codes
    return {w for w in re.findall(r"[a-z]{2,}", text.lower()) if w not in KEPT}


def test_check_text_in_chinese_leads_with_the_contract_verdict_line():
    done = prescreen("check", "icc-033", "--fhir-dir", str(COHORT), "--as-of", AS_OF, "--format", "text",
                     "--lang", "zh")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Patient/icc-033  NCT03951597  截至 2026年11月24日"
    assert lines[1] == "结论：不符合"
    fail = next(line for line in lines if line.startswith("  x 血小板："))
    # the value, its date the Chinese way and the trial's threshold, with the evidence reference
    assert "78 ×10⁹/L（2026年11月18日）" in fail and "≥ 100" in fail and "Observation/" in fail
    assert "platelets" not in done.stdout  # not the English reason


def test_json_is_the_same_whatever_the_language():
    args = ("check", "icc-001", "--fhir-dir", str(COHORT), "--as-of", AS_OF)
    assert prescreen(*args, "--lang", "zh").stdout == prescreen(*args).stdout


def test_bad_language_is_refused():
    done = prescreen("check", "icc-001", "--fhir-dir", str(COHORT), "--lang", "fr")
    assert done.returncode == 2 and "fr" in done.stderr


@pytest.fixture(scope="module")
def cohort_reports() -> list[tuple[str, dict, str]]:
    source = open_source(None, str(COHORT))
    out = []
    for path in sorted(COHORT.glob("icc-*.json")):
        pid = path.stem
        report = json.loads(run_check(pid, source, date.fromisoformat(AS_OF), "json"))
        out.append((pid, report, run_check(pid, source, date.fromisoformat(AS_OF), "text", "zh")))
    return out


def test_every_patient_same_verdict_and_criteria_in_chinese(cohort_reports):
    for pid, report, text in cohort_reports:
        assert f"结论：{VERDICT_ZH[report['verdict']]}" in text.splitlines()[1], pid
        fails = [c for c in report["criteria"] if c["status"] == "fail"]
        unknown = [c for c in report["criteria"] if c["status"] == "unknown"]
        assert text.count("\n  x ") == len(fails), pid
        assert text.count("\n  ? ") == len(unknown), pid
        if unknown:
            assert f"需询问或复查（{len(unknown)} 项）" in text, pid


def test_chinese_reasons_carry_the_evidence_and_no_english_reason_text(cohort_reports):
    for pid, report, _text in cohort_reports:
        for c in report["criteria"]:
            zh = reason(c, report["as_of"])
            assert zh and re.search(r"[\u4e00-\u9fff]", zh), (pid, c["id"])
            # what the record itself says (a drug name as coded) is evidence, not reason text
            recorded = {str(e["value"]).lower() for e in c["evidence"] if isinstance(e.get("value"), str)}
            assert not english_words(zh) - recorded, (pid, c["id"], zh)
            if c["status"] != "fail":
                continue
            for e in c["evidence"]:
                if isinstance(e.get("value"), (int, float)) and e.get("source") != "derived":
                    assert str(e["value"]).rstrip("0").rstrip(".") in zh, (pid, c["id"], zh)
                if e.get("date") and e.get("unit") != "years":
                    y, m, d = (int(x) for x in e["date"][:10].split("-"))
                    assert f"{y}年{m}月{d}日" in zh, (pid, c["id"], zh)


def test_polarity_of_a_lab_reason_follows_the_status():
    crit = {"id": "platelets", "kind": "inclusion", "conflict": False,
            "evidence": [{"source": "record", "reference": "Observation/p", "value": 82, "unit": "10*9/L",
                          "date": "2026-11-10"}]}  # fmt: skip
    failed = reason({**crit, "status": "fail"}, AS_OF)
    assert "82 ×10⁹/L（2026年11月10日）" in failed and "要求 ≥ 100" in failed
    missing = reason({**crit, "status": "unknown", "evidence": []}, AS_OF)
    assert "28 天" in missing and "82" not in missing
    old = [{**crit["evidence"][0], "date": "2026-08-01"}]
    stale = reason({**crit, "status": "unknown", "evidence": old}, AS_OF)
    assert "已超过 28 天" in stale
    said = [{"source": "patient", "value": "yes", "note": "answer to tb_within_year"}]
    answered = reason({"id": "tuberculosis", "status": "fail", "conflict": False, "evidence": said})
    assert "患者回答：是" in answered


def test_batch_summaries_in_chinese(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("icc-001\nicc-033\nno-such-patient\n", encoding="utf-8")
    out = tmp_path / "run.jsonl"
    done = prescreen("batch", "--fhir-dir", str(COHORT), "--as-of", AS_OF, "--out", str(out), "--patients",
                     str(ids), "--lang", "zh", "--no-progress", "--workers", "2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    raw = (tmp_path / "run.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["患者", "结论", "不符合的标准", "原因", "缺失项", "错误"]
    by_patient = {r[0]: r for r in rows[1:]}
    assert set(by_patient) == {"icc-001", "icc-033", "no-such-patient"}  # a batch never loses a patient
    assert by_patient["icc-033"][1] == "不符合" and "血小板" in by_patient["icc-033"][2]
    assert "2026年11月18日" in by_patient["icc-033"][3]
    assert by_patient["icc-001"][1] == "需补充信息" and "结核" in by_patient["icc-001"][4]
    assert by_patient["no-such-patient"][1] == "出错" and by_patient["no-such-patient"][5]
    page = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "2026年11月24日" in page
    for heading in ("结论分布", "逐条淘汰", "最常缺失的信息"):
        assert f"<h2>{heading}</h2>" in page
    # the JSONL itself is the contract's, whatever the summary language
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert {x["verdict"] for x in lines} == {"needs_information", "ineligible", "error"}
