"""What a patient's page is given of the bot's replies (no server)."""

from __future__ import annotations

from web import strings
from web.portal import clean_text, turns_from_replies, view

EN = strings.portal("en")


def test_clean_text_drops_codes_ids_and_record_references():
    text = "Thank you, that is all.\nVerdict: ineligible\nSee Observation/icc-001-plt for icc-001."
    out = clean_text(text, "icc-001")
    assert "Verdict" not in out and "Observation/" not in out and "icc-001" not in out
    assert out.startswith("Thank you, that is all.")
    assert clean_text("结论：不符合\n谢谢", "x") == "谢谢"
    assert clean_text("patient icc-0011 is another id", "icc-001") == "patient icc-0011 is another id"


def test_replies_become_turns_without_the_bot_payload():
    replies = [
        {"text": "Hello", "custom": {"patient": "icc-001", "settled_by_record": ["age"]}},
        {"text": "Has your doctor told you that surgery cannot remove the tumour? (yes / no / not sure)",
         "custom": {"question": "unresectable", "criteria": ["unresectable"], "left": 3}},
    ]  # fmt: skip
    turns = turns_from_replies(replies, "icc-001")
    assert turns == [
        {"who": "bot", "text": "Hello"},
        {"who": "bot", "text": replies[1]["text"], "q": "unresectable", "left": 3},
    ]
    page = view(turns, "en")
    assert page["pending"] and page["result"] is None
    q = page["items"][-1]["question"]
    assert [c["label"] for c in q["choices"]] == [EN["answer_yes"], EN["answer_no"], EN["not_sure"]]
    assert q["help"] == strings.help_text("en", "unresectable") and q["left"] == "About 3 questions left"
    assert page["items"][-1]["text"].endswith("tumour?")  # buttons replace "(yes / no / not sure)"
    assert "unresectable" not in str(page)  # no question id reaches the page


def test_the_end_is_told_in_the_page_words():
    replies = [{"text": "Thank you.\nVerdict: ineligible\nThe study team ...",
                "custom": {"verdict": "ineligible", "patient": "icc-001"}}]  # fmt: skip
    page = view(turns_from_replies(replies, "icc-001"), "zh")
    zh = strings.portal("zh")
    assert page["result"]["verdict"] == "ineligible" and page["result"]["lines"][0] == zh["result_ineligible"]
    assert not page["pending"] and "icc-001" not in str(page)


def test_garbage_replies_give_nothing():
    assert turns_from_replies(None, "x") == [] and turns_from_replies([1, "a", {}], "x") == []
    assert view([], "en") == {"items": [], "pending": False, "result": None, "lang": "en"}


def test_number_question_keeps_free_text():
    page = view(
        [{"who": "bot", "text": "How old are you? (a number, or 'not sure')", "q": "age_years"}], "en"
    )
    q = page["items"][0]["question"]
    assert q["number"] and [c["label"] for c in q["choices"]] == [EN["not_sure"]]


def test_buttons_send_words_in_the_language_the_bot_asked_in():
    zh = strings.portal("zh")
    asked_en = view([{"who": "bot", "text": "Have you ever had HIV?", "q": "hiv"}], "zh")
    asked_zh = view([{"who": "bot", "text": "您是否感染过HIV？", "q": "hiv"}], "zh")
    en_buttons = asked_en["items"][0]["question"]["choices"]
    zh_buttons = asked_zh["items"][0]["question"]["choices"]
    assert [b["label"] for b in en_buttons] == [zh["answer_yes"], zh["answer_no"], zh["not_sure"]]
    assert [b["send"] for b in en_buttons] == ["yes", "no", "not sure"]
    assert [b["send"] for b in zh_buttons] == [zh["send_yes"], zh["send_no"], zh["send_not_sure"]]
