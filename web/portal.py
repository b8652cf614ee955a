"""What a patient's page shows of the bot's replies, and nothing more.

The bot's replies are reduced to what a patient may see: the text (without the `Verdict:`
line, the patient's own id or record references), whether it asks a question, how many are
left, and the verdict at the end. Question ids, criteria and any report stay on the server:
the page gets answer buttons and "what does this mean?" text resolved here, in its language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from eligibility import Question, load_trial
from web import strings

VERDICTS = ("potentially_eligible", "ineligible", "needs_information")
# A FHIR reference such as Observation/17: record detail a patient is never shown.
FHIR_REFERENCE = re.compile(
    r"\b(Patient|Observation|Condition|Medication\w*|AllergyIntolerance|DiagnosticReport|Procedure|"
    r"Encounter|Immunization|DocumentReference)/[A-Za-z0-9\-.]{1,64}"
)
VERDICT_LINE = re.compile(r"^\s*(Verdict:|结论[:：]).*$", re.MULTILINE)
# "(yes / no / not sure)" after a question: the page shows answer buttons instead.
CJK = re.compile(r"[\u4e00-\u9fff]")
ANSWER_FORMAT = re.compile(r"\s*[(（][^()（）]*/[^()（）]*[)）]\s*$")


@lru_cache(maxsize=1)
def question_kinds() -> dict[str, Question]:
    """Question id -> its type and choices, from the trial data."""
    return {q.id: q for q in load_trial().questions}


def clean_text(text: str, patient: str) -> str:
    """Bot text as a patient may see it: no verdict code line, no id, no record reference."""
    text = VERDICT_LINE.sub("", text)
    text = FHIR_REFERENCE.sub("", text)
    if patient:
        text = re.sub(rf"(?<![\w-]){re.escape(patient)}(?![\w-])", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def turns_from_replies(replies: Any, patient: str) -> list[dict[str, Any]]:
    """The stored form of one bot reply list: per message its clean text and, when it asks,
    the question id (kept server-side), the number of questions left, or the verdict."""
    out: list[dict[str, Any]] = []
    for msg in replies if isinstance(replies, list) else []:
        if not isinstance(msg, dict):
            continue
        custom = msg.get("custom") if isinstance(msg.get("custom"), dict) else {}
        turn: dict[str, Any] = {"who": "bot", "text": clean_text(str(msg.get("text") or ""), patient)}
        if custom.get("verdict") in VERDICTS:
            turn["verdict"] = custom["verdict"]
            turn["text"] = ""  # the page says it in its own kind words (result panel)
        elif isinstance(custom.get("question"), str):
            turn["q"] = custom["question"]
            if isinstance(custom.get("left"), int):
                turn["left"] = custom["left"]
        if turn["text"] or "verdict" in turn or "q" in turn:
            out.append(turn)
    return out


def chat_language(text: str) -> str:
    """The language the bot asked in (Chinese characters or not): answers are sent in it."""
    return "zh" if CJK.search(text) else "en"


def _choices(qid: str, lang: str, send_lang: str) -> list[dict[str, str]]:
    """Answer buttons: labelled in the page's language, sending words in the bot's language
    (a Chinese page over a chat that still asks in English sends "yes", not "是")."""
    s, said = strings.portal(lang), strings.portal(send_lang)
    q = question_kinds().get(qid)
    kind = q.type if q else "yes_no"
    unsure = {"label": s["not_sure"], "send": said["send_not_sure"]}
    if q and kind == "choice":
        return [{"label": c.replace("_", " "), "send": c.replace("_", " ")} for c in q.choices] + [
            unsure
        ]
    if kind == "number":
        return [unsure]
    return [
        {"label": s["answer_yes"], "send": said["send_yes"]},
        {"label": s["answer_no"], "send": said["send_no"]},
        unsure,
    ]


def _left_text(left: int | None, lang: str) -> str | None:
    if left is None:
        return None
    s = strings.portal(lang)
    if left <= 1:
        return s["left_none"] if left <= 0 else s["left_one"]
    return s["left_many"].format(n=left)


def view(turns: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The page's state: items to show, the pending question (if any) and the result."""
    s = strings.portal(lang)
    items: list[dict[str, Any]] = []
    result: dict[str, Any] | None = None
    for t in turns:
        if t.get("who") == "user":
            items.append({"who": "user", "text": t.get("text", "")})
            continue
        if t.get("verdict") in VERDICTS:
            v = t["verdict"]
            result = {
                "verdict": v,
                "heading": s["result_heading"],
                "lines": [s[f"result_{v}"], s["result_next"], s["result_done"]],
            }
            continue
        item: dict[str, Any] = {"who": "bot", "text": t.get("text", "")}
        if t.get("q"):
            item["text"] = ANSWER_FORMAT.sub("", item["text"])
            item["question"] = {
                "choices": _choices(t["q"], lang, chat_language(item["text"])),
                "help": strings.help_text(lang, t["q"]),
                "left": _left_text(t.get("left"), lang),
                "number": getattr(question_kinds().get(t["q"]), "type", "") == "number",
            }
        items.append(item)
    last_bot = next((i for i in reversed(items) if i["who"] == "bot"), None)
    pending = bool(last_bot and "question" in last_bot and items[-1] is last_bot and result is None)
    # A question asked before the result no longer takes answers.
    if result is not None:
        for i in items:
            i.pop("question", None)
    return {"items": items, "pending": pending, "result": result, "lang": lang}
