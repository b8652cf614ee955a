"""Whole conversations over HTTP with the real Rasa server, action server and HAPI.

Every conversation goes through tests/e2e/convo.py, which fails the test the moment the bot
asks about a criterion the record (or an answer) already settled, or asks anything once the
verdict can no longer change.
"""

from __future__ import annotations

import time

import jwt
import requests
from convo import Conversation, verdict_line

from bot.access.keys import action_secret, token_secret
from bot.access.tokens import issue

GOOD = {  # question id -> (what the clinician types, the value it means)
    "tumour_checklist": ("all apply", "yes"),
    "liver_status": ("no ascites, no HE", "none"),
    "unresectable": ("yes, unresectable", "yes"),
    "prior_checkpoint_inhibitor": ("nope, no prior IO", "no"),
    "tissue_available": ("y - blocks in path lab", "yes"),
    "measurable_lesion": ("yes", "yes"),
    "cardiopulmonary_renal": ("no", "no"),
    "active_infection": ("nil", "no"),
    "ecog_score": ("ECOG 0", 0),
    "ascites": ("no ascites", "none"),
    "encephalopathy": ("no HE", "none"),
    "icc_histology_confirmed": ("yes biopsy proven", "yes"),
    "weight_kg": ("72 kg", 72),
    "bp_controlled": ("yes on amlodipine", "yes"),
    "coagulation": ("no", "no"),
    "hiv": ("neg", "no"),
    "immunosuppression": ("no", "no"),
}


def talk(stack, user: str, **kw) -> Conversation:
    return Conversation(stack.webhook, stack.rasa_url, stack.cfg.api_token, user, **kw)


def answer_all(
    c: Conversation, replies: dict | None = None, limit: int = 30, stop_at_confirm: bool = False
) -> list[dict]:
    """Answer every question with GOOD (or `replies`) until the bot stops asking."""
    last: list[dict] = []
    table = {**GOOD, **(replies or {})}
    for _ in range(limit):
        if not c.current or (stop_at_confirm and c.current.get("confirm")):
            return last
        qid = c.current["question"]
        if c.current.get("confirm"):
            raise AssertionError(f"a rule-out restated that the script did not mean:\n{c.dump()}")
        if qid == "history_checklist":
            last = c.answer("none of these", "none")
        else:
            text, value = table[qid]
            last = c.answer(text, value)
    raise AssertionError(f"still asking after {limit} answers:\n{c.dump()}")


def test_potentially_eligible_after_answers(chat_stack):
    c = talk(chat_stack, "dr-ma")
    opening = c.screen("icc-001", "pre-screen patient icc-001")
    assert "21 of 36 criteria settled from the record" in opening[0]["text"]
    assert "All labs within limits" in opening[0]["text"]
    end = answer_all(c)
    assert verdict_line(end) == "Verdict: potentially eligible", c.dump()
    assert set(c.asked) == {
        "tumour_checklist",
        "prior_checkpoint_inhibitor",
        "history_checklist",
        "cardiopulmonary_renal",
        "active_infection",
    }
    slots = c.slots()
    assert slots["verdict"] == "potentially_eligible"
    report = slots["screening_report"]
    assert report["verdict"] == "potentially_eligible" and report["patient"] == "Patient/icc-001"
    assert len(report["criteria"]) == 36 and report["missing"] == []
    answered = {(a["question_id"], a["value"]) for a in slots["answers"]}
    assert answered == {(a.question_id, a.value) for a in c.answers}  # the bot recorded what we meant


def test_ruled_out_by_the_record_with_no_question(chat_stack):
    c = talk(chat_stack, "dr-li")
    replies = c.screen("icc-006", "check icc-006 for the ICC trial")
    assert c.asked == [] and not any((m.get("custom") or {}).get("question") for m in replies)
    assert verdict_line(replies) == "Verdict: ineligible"
    assert "ECOG" in replies[-1]["text"] and "Observation/" in replies[-1]["text"]  # the evidence
    slots = c.slots()
    assert slots["verdict"] == "ineligible" and slots["screening_report"]["verdict"] == "ineligible"


def test_ruled_out_by_an_answer_then_go_on_then_stop(chat_stack):
    c = talk(chat_stack, "dr-wang")
    c.screen("icc-007")  # Karnofsky 90 only: ECOG must be asked
    c.answer("all apply", "yes")
    assert c.current["question"] == "ecog_score"
    replies = c.answer("ps 2")
    assert "ECOG performance status is 2" in replies[-1]["text"] and c.current.get("confirm")
    end = c.answer("yes", "yes")  # confirmed: recorded, and the screening ends
    assert "ecog_score" in c.asked
    assert verdict_line(end) == "Verdict: ineligible"
    assert "go on" in end[-1]["text"] and "ECOG" in end[-1]["text"]
    assert c.slots()["verdict"] == "ineligible"
    c.go_on = True  # from here on the clinician asked for questions that cannot change the verdict
    replies = c.send("go on")
    assert c.current, c.dump()
    assert all(q != "ecog_score" for q in c.asked[c.asked.index("ecog_score") + 1 :])
    replies = c.send("stop")
    assert verdict_line(replies) == "Verdict: ineligible"


def test_a_brand_name_answers_the_checkpoint_question(chat_stack):
    c = talk(chat_stack, "dr-xu")
    c.screen("icc-002", "pls check icc-002")
    answer_all(c, {"prior_checkpoint_inhibitor": ("he had Keytruda in 2024", None)}, stop_at_confirm=True)
    assert (
        "PD-1, PD-L1 or CTLA-4 antibody before" in c.transcript[-1] and "Is that right?" in c.transcript[-1]
    )
    end = c.answer("yes", "yes")
    assert verdict_line(end) == "Verdict: ineligible"
    assert "prior PD-1/PD-L1/CTLA-4 antibody" in end[-1]["text"]
    assert c.asked.index("prior_checkpoint_inhibitor") == len(c.asked) - 1  # nothing asked after it


def test_not_sure_is_left_unknown(chat_stack):
    c = talk(chat_stack, "dr-zhao")
    c.screen("icc-003")
    c.answer("not sure", "not_sure")  # the tumour group: asked one by one
    end = answer_all(c, {"measurable_lesion": ("not sure, need to check the CT", "not_sure")})
    assert verdict_line(end) == "Verdict: needs information"
    assert "measurable lesion (RECIST 1.1) (answered not sure)" in end[-1]["text"]
    assert c.asked.count("measurable_lesion") == 1
    report = c.slots()["screening_report"]
    assert report["missing"] == ["measurable_lesion"]


def test_a_corrected_answer(chat_stack):
    c = talk(chat_stack, "dr-chen")
    c.screen("icc-012")  # stale ECOG, Child-Pugh not recorded
    c.answer("yes", "yes")  # the tumour items: all apply
    assert c.current["question"] == "ecog_score"
    c.answer("1")
    assert c.current.get("confirm")
    end = c.answer("yes", "yes")
    assert verdict_line(end) == "Verdict: ineligible"
    replies = c.change("sorry, ECOG is actually 0", ["ecog_score"], 0)
    assert "ecog_score = 0" in replies[0]["text"] and c.current, c.dump()
    assert c.current["question"] == "liver_status"
    c.answer("none", "none")  # ascites and encephalopathy together
    c.answer("no", "no")  # checkpoint inhibitors
    assert c.current["question"] == "history_checklist"
    c.answer("TB", named={"tb_ever": "yes"})
    assert c.current["question"] == "tb_within_year"
    c.answer("no", "no")
    assert c.current["question"] == "tb_fully_treated"
    replies = c.change("change my answer about TB", ["tb_ever", "tb_within_year"])
    assert c.current["question"] == "tb_ever", c.dump()
    end = answer_all(c, {"tb_ever": ("no, never", "no")})
    assert verdict_line(end) == "Verdict: potentially eligible", c.dump()
    assert {(a["question_id"], a["value"]) for a in c.slots()["answers"]} == {
        (a.question_id, a.value) for a in c.answers
    }


def test_why_what_summary_and_fallback_keep_the_question(chat_stack):
    c = talk(chat_stack, "dr-sun")
    c.screen("icc-012")
    first = c.current["question"]
    replies = c.send("why do you ask?")
    assert "surgery" in replies[0]["text"] and c.current["question"] == first
    replies = c.send("what's child pugh?")
    assert "class A 5-6" in replies[0]["text"] and c.current["question"] == first
    replies = c.send("book me a flight to Beijing")
    assert "outside" in replies[0]["text"] and c.current["question"] == first
    replies = c.send("summary so far")
    assert "Summary so far for icc-012" in replies[0]["text"] and c.current["question"] == first
    c.answer("yes", "yes")
    assert c.current["question"] == "ecog_score"


def test_naming_another_patient_mid_screening_asks_first(chat_stack):
    c = talk(chat_stack, "dr-gao")
    c.screen("icc-001")
    c.answer("all apply", "yes")
    assert c.current["question"] == "prior_checkpoint_inhibitor"
    replies = c.send("ok next one is icc-003")  # mid-question: confirm, naming both patients
    assert "icc-001" in replies[-1]["text"] and "icc-003" in replies[-1]["text"], c.dump()
    assert c.slots()["patient_id"] == "icc-001"
    c.pid, c.answers, c.go_on = "icc-003", [], False
    c.send("yes")
    assert c.current and c.current["question"] == "tumour_checklist"  # asked afresh for the new patient
    slots = c.slots()
    assert slots["patient_id"] == "icc-003" and slots["answers"] == [] and slots["verdict"] is None
    replies = c.send("screen another patient")
    assert c.slots()["patient_id"] is None and "Name a patient" in replies[0]["text"]


def test_patient_token_is_bound_to_its_patient(chat_stack):
    c = talk(chat_stack, "", role="patient", patient="icc-001")
    replies = c.send("check icc-002")
    assert "only screen your own record" in replies[0]["text"]
    c.pid = "icc-001"
    replies = c.send("start")
    assert c.current and "Observation/" not in replies[0]["text"]
    assert c.current["question"] == "unresectable"
    assert "surgery cannot remove" in replies[-1]["text"]  # the patient's wording
    replies = c.send("stop")
    assert verdict_line(replies) == "Verdict: needs information"
    assert "study team" in replies[-1]["text"]


def test_no_token_no_chat(chat_stack):
    url = chat_stack.webhook
    assert requests.post(url, json={"message": "hi"}, timeout=30).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert requests.post(url, json={"message": "hi"}, headers=bad, timeout=30).status_code == 401
    forged = jwt.encode(
        {
            "sub": "x",
            "role": "clinician",
            "exp": time.time() + 60,
            "aud": "prescreen-chat",
            "iss": "prescreen",
        },
        "another-secret",
        algorithm="HS256",
    )
    r = requests.post(url, json={"message": "hi"}, headers={"Authorization": f"Bearer {forged}"}, timeout=30)
    assert r.status_code == 401
    expired = jwt.encode(
        {
            "sub": "x",
            "role": "clinician",
            "exp": time.time() - 5,
            "aud": "prescreen-chat",
            "iss": "prescreen",
        },
        token_secret(),
        algorithm="HS256",
    )
    r = requests.post(url, json={"message": "hi"}, headers={"Authorization": f"Bearer {expired}"}, timeout=30)
    assert r.status_code == 401
    ok = {"Authorization": f"Bearer {issue('clinician', user='dr-he')}"}
    r = requests.post(url, json={"sender": "someone-else", "message": "hi"}, headers=ok, timeout=30)
    assert r.status_code == 403
    r = requests.post(url, json={"sender": "dr-he", "message": "hi"}, headers=ok, timeout=30)
    assert r.status_code == 200 and r.json()[0]["recipient_id"] == "dr-he"


def test_only_the_prescreen_channel_is_open(chat_stack):
    rest = f"{chat_stack.rasa_url}/webhooks/rest/webhook"
    assert requests.post(rest, json={"sender": "x", "message": "hi"}, timeout=30).status_code == 404
    tracker = f"{chat_stack.rasa_url}/conversations/dr-ma/tracker"
    assert requests.get(tracker, timeout=30).status_code == 401  # the test-only API wants its token


def test_action_server_wants_rasas_secret(chat_stack):
    url = f"http://127.0.0.1:{chat_stack.cfg.action_port}/webhook"
    body = {"next_action": "action_greet", "tracker": {}, "domain": {}}
    assert requests.post(url, json=body, timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert requests.post(url, json=body, headers=wrong, timeout=30).status_code == 401
    assert (
        requests.get(
            f"http://127.0.0.1:{chat_stack.cfg.action_port}/actions",
            headers={"Authorization": f"Bearer {action_secret()}"},
            timeout=30,
        ).status_code
        == 200
    )
