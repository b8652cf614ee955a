"""Conversations in clinicians' own words, over HTTP with the real Rasa server, action server
and HAPI (issue 9): several facts in one message, negations for other topics, commands words
inside answers, free-sentence openings, unusable replies, unknown ids, and numbers that are
also another patient's id. Every question is checked by the oracle in convo.py."""

from __future__ import annotations

import requests
from convo import Conversation, verdict_line
from test_conversations import answer_all, talk


def answered(c: Conversation) -> dict[str, object]:
    return {a["question_id"]: a["value"] for a in c.slots()["answers"]}


def test_a_free_sentence_opening_with_facts_is_recorded_once_and_not_asked(chat_stack):
    c = talk(chat_stack, "dr-free")
    c.pid = "icc-012"
    c.note(unresectable="yes", measurable_lesion="yes", tissue_available="yes", ecog_score=0,
           ascites="none", encephalopathy="none", prior_checkpoint_inhibitor="no")  # fmt: skip
    replies = c.send(
        "I have a 66 year old man with ICC, id icc-012, can he go on the trial? Not a surgical "
        "candidate, three target lesions, paraffin block in pathology, ECOG 0, no ascites or "
        "encephalopathy, never had immunotherapy"
    )
    assert "Noted for icc-012" in replies[0]["text"], c.dump()
    got = answered(c)
    for qid in ("unresectable", "measurable_lesion", "tissue_available", "ascites", "encephalopathy"):
        assert qid in got, (qid, got)
    assert got["prior_checkpoint_inhibitor"] == "no" and got["ecog_score"] == 0
    end = answer_all(c)
    asked = set(c.asked)
    assert not asked & {"tumour_checklist", "unresectable", "ecog_score", "liver_status", "ascites",
                        "prior_checkpoint_inhibitor", "tissue_available", "measurable_lesion"}  # fmt: skip
    assert verdict_line(end) == "Verdict: potentially eligible", c.dump()


def test_several_answers_in_one_reply_and_a_no_for_another_topic(chat_stack):
    c = talk(chat_stack, "dr-multi")
    c.screen("icc-012", "could you check whether icc-012 qualifies for the lenvatinib study")
    assert c.current["question"] == "tumour_checklist"
    c.answer("not a surgical candidate, the disease is too extensive; no ascites either", "not_sure")
    c.note(unresectable="yes", ascites="none")
    got = answered(c)
    assert got["unresectable"] == "yes" and got["ascites"] == "none"  # the "no" was the ascites'
    # the rest of the tumour items are asked one at a time
    while c.current["question"] in ("measurable_lesion", "tissue_available"):
        c.answer("we have the paraffin block from the diagnostic biopsy" if c.current["question"] ==
                 "tissue_available" else "three target lesions, biggest 4 cm", "yes")  # fmt: skip
    assert c.current["question"] == "ecog_score"
    c.send("no HE")  # a "no" for another topic: ECOG stays pending
    c.note(encephalopathy="none")
    assert c.current["question"] == "ecog_score" and answered(c)["encephalopathy"] == "none"
    c.answer("ECOG 0", 0)
    assert "ascites" not in c.asked and "encephalopathy" not in c.asked and "liver_status" not in c.asked
    assert c.asked.count("ecog_score") == 2


def test_command_words_inside_answers_are_answers(chat_stack):
    c = talk(chat_stack, "dr-words")
    c.screen("icc-001")
    c.answer("he would agree to a fresh biopsy; unresectable, several target lesions", "yes")
    assert c.current["question"] == "prior_checkpoint_inhibitor"
    c.answer("no, another hospital gave him gemcitabine only, never any IO", "no")
    assert c.current["question"] == "history_checklist", c.dump()
    c.answer("he had TB", named={"tb_ever": "yes"})
    assert c.current["question"] == "tb_within_year"
    c.answer("that was 3 years ago", "no")
    assert c.current["question"] == "tb_fully_treated", c.dump()
    replies = c.answer("he stopped the TB treatment early")  # "stop" inside an answer
    assert "not fully treated" in replies[-1]["text"] and "Is that right?" in replies[-1]["text"], c.dump()
    assert c.slots()["patient_id"] == "icc-001" and c.slots()["verdict"] is None
    replies = c.answer("no", None)  # the clinician corrects the restatement: nothing recorded
    assert "Not recorded" in replies[-1]["text"] and c.current["question"] == "tb_fully_treated"
    c.answer("he completed the full course in the end", "yes")
    assert c.current["question"] == "tb_still_active"


def test_every_rule_out_from_an_answer_is_confirmed(chat_stack):
    c = talk(chat_stack, "dr-confirm")
    c.screen("icc-001")
    replies = c.answer("resectable, booked for hepatectomy; blocks available")
    assert c.current.get("confirm") and c.current["question"] == "unresectable"
    assert "the tumour could be removed by surgery" in replies[-1]["text"]
    assert "rules icc-001 out of this trial" in replies[-1]["text"]
    assert "unresectable" not in answered(c)  # not recorded before the confirmation
    end = c.answer("yes", "yes")
    assert verdict_line(end) == "Verdict: ineligible" and answered(c)["unresectable"] == "no"


def test_no_question_is_asked_three_times(chat_stack):
    c = talk(chat_stack, "dr-loop")
    c.screen("icc-012")
    c.answer("all apply", "yes")
    assert c.current["question"] == "ecog_score"
    first = c.send("hmm, he's been a bit up and down lately")
    assert "could not read an answer" in first[-1]["text"]
    assert [b["title"] for b in first[-1].get("buttons", [])] == ["not sure"], first[-1]
    c.note(ecog_score="not_sure")
    second = c.send("his wife handles most of that")
    assert "record 'not sure' about ECOG 0" in second[-1]["text"], c.dump()
    assert c.current["question"] != "ecog_score" and c.asked.count("ecog_score") == 2


def test_an_unknown_id_gets_one_line(chat_stack):
    c = talk(chat_stack, "dr-unknown")
    replies = c.send("can you pre-screen patient 999999 for the ICC trial")
    assert [m.get("text") for m in replies] == ["I can't find patient 999999."]
    assert c.slots()["patient_id"] is None


def test_a_number_in_an_answer_never_switches_patients(chat_stack, fhir_base, fhir_token):
    # the record source has a patient whose id is 2019
    r = requests.put(
        f"{fhir_base}/Patient/2019",
        json={"resourceType": "Patient", "id": "2019", "gender": "male", "birthDate": "1960-05-01"},
        headers={"Authorization": f"Bearer {fhir_token}", "Content-Type": "application/fhir+json"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    c = talk(chat_stack, "dr-number")
    c.screen("icc-001")
    c.answer("all apply", "yes")
    c.answer("no", "no")
    c.answer("TB", named={"tb_ever": "yes"})
    assert c.current["question"] == "tb_within_year"
    replies = c.answer("no, treated in 2019", "no")
    assert c.slots()["patient_id"] == "icc-001"
    assert answered(c)["tb_within_year"] == "no"
    assert c.current["question"] == "tb_fully_treated", c.dump()
    assert not any("Patient 2019" in (m.get("text") or "") for m in replies)
    # an explicit request does switch, after a confirmation naming both patients
    replies = c.send("actually, please screen patient 2019 instead")
    assert "icc-001" in replies[-1]["text"] and "2019" in replies[-1]["text"]
    assert c.slots()["patient_id"] == "icc-001"
    r = requests.post(  # (not through the oracle: patient 2019 is not in the cohort files)
        chat_stack.webhook,
        json={"message": "yes"},
        headers={"Authorization": f"Bearer {c.token}"},
        timeout=60,
    )
    assert r.status_code == 200 and "Patient 2019" in r.json()[0]["text"]
    assert c.slots()["patient_id"] == "2019"
