"""The actions against the synthetic cohort, with Rasa's part played by tests/chat/conftest.py."""

from __future__ import annotations

from chatsim import AS_OF, COHORT, Chat

from actions.corrections import ActionChangeAnswer
from actions.form import ValidateScreeningForm
from actions.info import ActionExplainTerm, ActionExplainWhy, ActionSummary
from actions.session import (
    ActionFinishScreening,
    ActionGoOn,
    ActionReplyOutsideForm,
    ActionScreenAnother,
    ActionStartOver,
    ActionStop,
)
from actions.vocab import vocab
from eligibility import screen
from fhir_ingest.sources import DirSource


def record_status(pid: str, criterion: str) -> str:
    return screen(DirSource(COHORT).load(pid).resources, AS_OF).status(criterion)


def test_opening_says_what_the_record_settled_then_asks(chat: Chat):
    turn = chat.start("pre-screen patient icc-001")
    assert "21 of 36 criteria settled from the record" in turn.texts[0]
    assert "All labs within limits" in turn.texts[0]
    assert chat.slots["patient_id"] == "icc-001" and chat.slots["answers"] == []
    first = turn.payloads[-1]
    # the tumour items are all unknown: one grouped question, naming the patient
    assert first["question"] == chat.requested == "tumour_checklist"
    assert first["items"] == ["unresectable", "measurable_lesion", "tissue_available"]
    assert turn.texts[-1].startswith("icc-001: about the tumour")


def test_record_that_rules_out_asks_nothing(chat: Chat):
    turn = chat.start("screen icc-006")
    assert chat.slots["next_step"] == "finish"
    assert not any(p.get("question") for p in turn.payloads)
    end = chat.run(ActionFinishScreening())
    assert "Verdict: ineligible" in end.text and "ECOG" in end.text
    assert chat.slots["verdict"] == "ineligible"
    assert chat.slots["screening_report"]["verdict"] == "ineligible"
    assert len(chat.slots["screening_report"]["criteria"]) == 36


def test_an_answer_that_fails_is_confirmed_then_ends_the_form_and_offers_to_go_on(chat: Chat):
    chat.start("check icc-007")  # Karnofsky 90: ECOG is asked
    while chat.requested != "ecog_score":
        chat.answer("yes")
    turn = chat.answer("ECOG 2")
    assert "ECOG performance status is 2" in turn.text and "rules icc-007 out" in turn.text
    assert chat.requested == "ecog_score" and chat.slots["confirming"]["value"] == 2
    assert all(a["question_id"] != "ecog_score" for a in chat.slots["answers"])  # not yet recorded
    turn = chat.answer("yes", "affirm")
    assert chat.requested is None and not turn.texts
    end = chat.run(ActionFinishScreening())
    assert "Verdict: ineligible" in end.text and "go on" in end.text
    chat.say("go on", "go_on")
    chat.run(ActionGoOn())
    assert chat.slots["go_on"] is True and chat.slots["next_step"] == "ask"
    asked = chat.run_form()
    assert asked.payloads[-1]["question"] not in ("ecog_score", "unresectable")


def test_no_loops_buttons_after_one_unusable_reply_then_not_sure(chat: Chat):
    chat.start("check icc-012")
    chat.answer("all apply")
    assert chat.requested == "ecog_score"
    turn = chat.answer("hmm, let me think", "inform")
    assert chat.requested == "ecog_score" and "could not read an answer" in turn.text
    assert "icc-012: What is the patient's current ECOG" in turn.text
    turn = chat.answer("the wife says he's ok", "inform")
    assert "record 'not sure' about ECOG 0" in turn.text
    assert chat.requested != "ecog_score"
    assert {"question_id": "ecog_score", "value": "not_sure"}.items() <= next(
        a for a in chat.slots["answers"] if a["question_id"] == "ecog_score"
    ).items()


def test_why_and_what_step_out_of_the_form(chat: Chat):
    chat.start("check icc-012")
    turn = chat.answer("why do you ask?", "ask_why")
    assert any(e.get("event") == "action_execution_rejected" for e in turn.events)
    assert chat.slots["answers"] == []
    why = chat.run(ActionExplainWhy())
    assert "surgery" in why.text
    chat.say("what is child pugh", "explain_term")
    assert "class A 5-6" in chat.run(ActionExplainTerm()).text


def test_an_answer_beats_a_wrong_command_intent(chat: Chat):
    chat.start("check icc-001")
    chat.answer("all apply")
    assert chat.requested == "prior_checkpoint_inhibitor"
    turn = chat.answer("no, he stopped all treatment and never had IO", "stop", confidence=0.9)
    assert not any(e.get("event") == "action_execution_rejected" for e in turn.events)
    assert chat.slots["prior_checkpoint_inhibitor"] == "no"


def test_checklist_none_of_these_answers_every_item_no(chat: Chat):
    turn = chat.start("check icc-001")
    while chat.requested != "history_checklist":
        turn = chat.answer("yes" if chat.requested != "prior_checkpoint_inhibitor" else "no")
    items = turn.payloads[-1]["items"]
    assert len(items) == 7 and "tb_ever" in items
    chat.answer("none of these", "none_of_these")
    answered = {a["question_id"]: a["value"] for a in chat.slots["answers"]}
    assert all(answered[i] == "no" for i in items)
    assert chat.requested not in items


def test_tb_follow_ups(chat: Chat):
    chat.start("check icc-001")
    while chat.requested != "history_checklist":
        chat.answer("no" if chat.requested == "prior_checkpoint_inhibitor" else "y")
    chat.answer("not sure")
    assert chat.requested == "other_malignancy"
    chat.answer("no")
    assert chat.requested == "tb_ever"
    chat.answer("yes")
    assert chat.requested == "tb_within_year"
    chat.answer("no")
    assert chat.requested == "tb_fully_treated"
    chat.answer("yes")
    assert chat.requested == "tb_still_active"
    chat.answer("no")
    assert chat.requested == "autoimmune"


def test_not_sure_stays_unknown_and_is_not_asked_again(chat: Chat):
    chat.start("check icc-001")
    chat.answer("not sure")  # the tumour group: asked one by one
    assert chat.requested == "unresectable"
    chat.answer("not sure")
    assert chat.requested != "unresectable"
    chat.run(ActionFinishScreening())
    crit = {c["id"]: c for c in chat.slots["screening_report"]["criteria"]}
    assert crit["unresectable"]["status"] == "unknown"


def test_change_an_answer_with_the_new_value(chat: Chat):
    chat.start("check icc-012")
    chat.answer("all apply")
    chat.answer("1")
    chat.answer("yes", "affirm")  # the rule-out confirmed
    chat.run(ActionFinishScreening())
    assert chat.slots["verdict"] == "ineligible"
    chat.say("sorry, ECOG is actually 0", "change_answer")
    turn = chat.run(ActionChangeAnswer())
    assert "ecog_score = 0" in turn.text
    assert chat.slots["next_step"] == "ask" and chat.slots["verdict"] is None
    assert chat.run_form().payloads[-1]["question"] == "liver_status"  # ascites with encephalopathy


def test_change_an_answer_clears_its_follow_ups_and_asks_again_first(chat: Chat):
    chat.start("check icc-001")
    while chat.requested != "history_checklist":
        chat.answer("no" if chat.requested == "prior_checkpoint_inhibitor" else "yes")
    chat.answer("TB")
    assert chat.requested == "tb_within_year"
    chat.answer("no")
    chat.say("change my answer about TB", "change_answer")
    chat.run(ActionChangeAnswer())
    ids = [a["question_id"] for a in chat.slots["answers"]]
    assert "tb_ever" not in ids and "tb_within_year" not in ids and "autoimmune" in ids
    assert chat.run_form().payloads[-1]["question"] == "tb_ever"


def test_a_criterion_settled_by_the_record_has_no_answer_to_change(chat: Chat):
    chat.start("check icc-001")
    chat.say("change my answer about ECOG", "change_answer")
    turn = chat.run(ActionChangeAnswer())
    assert "no answer about that to change" in turn.text


def test_screen_another_and_naming_a_patient_reset_answers(chat: Chat):
    chat.start("check icc-001")
    chat.answer("yes")
    assert chat.slots["answers"]
    chat.start("check icc-003")
    assert chat.slots["patient_id"] == "icc-003" and chat.slots["answers"] == []
    chat.say("next patient", "screen_another")
    chat.run(ActionScreenAnother())
    assert chat.slots["patient_id"] is None and chat.active_loop == {}


def test_start_over_keeps_the_patient_drops_answers(chat: Chat):
    chat.start("check icc-001")
    chat.answer("yes")
    chat.say("start over", "start_over")
    chat.run(ActionStartOver())
    assert chat.slots["patient_id"] == "icc-001" and chat.slots["answers"] == []


def test_unknown_patient_is_named(chat: Chat):
    turn = chat.start("check 999999")
    assert turn.texts == ["I can't find patient 999999."] and chat.slots["patient_id"] is None


def test_patient_token_screens_only_its_patient():
    chat = Chat(role="patient", patient="icc-001")
    turn = chat.start("check icc-002")
    assert "only screen your own record" in turn.text and chat.slots["patient_id"] is None
    turn = chat.start("start")
    assert chat.slots["patient_id"] == "icc-001" and chat.slots["audience"] == "patient"
    q = vocab().question(turn.payloads[-1]["question"])
    assert q.text["patient"] in turn.texts[-1]
    assert "Observation/" not in turn.text and "criteria settled" not in turn.text


def test_no_verified_caller_no_screening():
    chat = Chat(role=None)
    turn = chat.start("check icc-001")
    assert "cannot tell who you are" in turn.text and chat.slots["patient_id"] is None


def test_stop_gives_the_verdict(chat: Chat):
    chat.start("check icc-001")
    chat.say("stop", "stop")
    turn = chat.run(ActionStop())
    assert "Verdict: needs information" in turn.text and chat.active_loop == {}
    assert chat.slots["verdict"] == "needs_information" and chat.slots["closed"] is True
    chat.say("yes", "affirm")
    assert "complete" in chat.run(ActionReplyOutsideForm()).text


def test_summary(chat: Chat):
    chat.start("check icc-001")
    chat.answer("unresectable")  # one item of the group named: the others are asked later
    chat.say("summary so far", "summary")
    text = chat.run(ActionSummary()).text
    assert "unresectable = yes" in text and "22 of 36" in text


def test_potentially_eligible_after_answers(chat: Chat):
    chat.start("check icc-001")
    good = {
        "tumour_checklist": "all apply",
        "prior_checkpoint_inhibitor": "no",
        "history_checklist": "none of these",
        "cardiopulmonary_renal": "no",
        "active_infection": "no",
    }
    for _ in range(20):
        if chat.requested is None:
            break
        if chat.requested in vocab().questions:
            assert record_status("icc-001", vocab().question(chat.requested).criterion) == "unknown"
        chat.answer(good.get(chat.requested, "yes"))
    end = chat.run(ActionFinishScreening())
    assert "Verdict: potentially eligible" in end.text
    assert chat.slots["verdict"] == "potentially_eligible"


def test_validation_without_a_patient_ends_the_form():
    chat = Chat()
    chat.active_loop = {"name": "screening_form"}
    chat.run(ValidateScreeningForm())
    assert chat.requested is None
