"""A conversation over HTTP that checks every question the bot asks against the rules engine.

The oracle is independent of the bot: it loads the patient's record from the cohort files,
replays the answers the test gave, and asserts that each question's criterion was still
`unknown` when asked (never one the record or an answer had settled) and, unless the
clinician chose to go on after a rule-out, that the verdict could still change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from actions.language import question_text
from actions.messages import text as text_of
from actions.screening import GROUPS
from actions.vocab import CHECKLIST, vocab
from bot.access.tokens import issue, patient_subject
from eligibility import Answer, screen
from fhir_ingest.sources import DirSource
from tests.support.rasa_api import tracker_slots

REPO = Path(__file__).resolve().parents[2]
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


@dataclass
class Conversation:
    webhook: str
    rasa_url: str
    api_token: str
    user: str
    role: str = "clinician"
    patient: str | None = None
    token: str = ""
    pid: str | None = None
    answers: list[Answer] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    current: dict[str, Any] | None = None
    go_on: bool = False
    transcript: list[str] = field(default_factory=list)
    confirmations: list[dict[str, Any]] = field(default_factory=list)  # rule-outs restated to us
    lang: str = "en"  # the language the bot should be speaking (question wording is checked in it)
    metadata: dict[str, Any] | None = None  # sent with every message (e.g. {"lang": "zh"}, a portal's)

    def __post_init__(self) -> None:
        if not self.token:
            self.token = issue(
                self.role, user=self.user if self.role == "clinician" else None, patient=self.patient
            )

    @property
    def sub(self) -> str:
        return patient_subject(self.patient) if self.role == "patient" else self.user

    # --- talking ---------------------------------------------------------------------------
    def send(self, text: str) -> list[dict]:
        r = requests.post(
            self.webhook,
            json={"message": text, **({"metadata": self.metadata} if self.metadata else {})},
            timeout=60,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert r.status_code == 200, r.text
        replies = r.json()
        self.transcript.append(f"you> {text}")
        self.current = None
        for msg in replies:
            assert msg["recipient_id"] == self.sub
            self.transcript.append("bot> " + msg.get("text", ""))
            custom = msg.get("custom") or {}
            if custom.get("confirm"):
                self.confirmations.append(custom)
                self.current = custom
            elif custom.get("question"):
                self._check_question(custom, msg.get("text", ""))
        return replies

    def screen(self, pid: str, text: str | None = None) -> list[dict]:
        """Name a patient: a new screening, answers start empty."""
        self.pid, self.answers, self.go_on = pid, [], False
        return self.send(text or f"pre-screen patient {pid}")

    def answer(self, text: str, value: Any = None, named: dict[str, Any] | None = None) -> list[dict]:
        """Reply to the pending question; `value` (or `named` for a grouped question: item ->
        value) is what the bot should record, mirrored into the oracle's answers. Grouped: the
        history checklist's unnamed items are "no", the tumour group's "yes"; `value` not_sure
        records nothing (the items are asked one by one). `also` answers given in passing."""
        assert self.current, f"no question pending:\n{self.dump()}"
        q = self.current["question"]
        if self.current.get("confirm"):
            if value == "yes":
                self._record(q, self.current.get("value"))
        elif q in (CHECKLIST, *GROUPS):
            if value != "not_sure":
                rest = {CHECKLIST: "no", "tumour_checklist": "yes", "liver_status": "none"}[q]
                for qid in self.current["items"]:
                    self._record(qid, (named or {}).get(qid, rest))
        else:
            self._record(q, value)
        return self.send(text)

    def note(self, **answers: Any) -> None:
        """Answers a message gives besides the pending one (the oracle records them too)."""
        for qid, value in answers.items():
            self._record(qid, value)

    def change(self, text: str, qids: list[str], value: Any = None) -> list[dict]:
        """'change my answer about ...': the oracle forgets those answers (and sets `value`)."""
        self.answers = [a for a in self.answers if a.question_id not in qids]
        if value is not None:
            self._record(qids[0], value)
        return self.send(text)

    def _record(self, qid: str, value: Any) -> None:
        self.answers = [a for a in self.answers if a.question_id != qid]
        self.answers.append(Answer(qid, value, by=self.role))

    # --- the oracle ------------------------------------------------------------------------
    def report(self):
        return screen(DirSource(COHORT).load(self.pid).resources, AS_OF, self.answers)

    def _check_question(self, custom: dict, text: str) -> None:
        qid = custom["question"]
        v = vocab()
        if qid == CHECKLIST:
            items = text_of("checklist_items", self.lang) if self.lang != "en" else v.checklist_items
            for item in custom["items"]:
                assert items[item] in text, f"checklist item {item} not shown"
        elif qid in GROUPS:
            assert custom["items"] == list(GROUPS[qid])
        else:
            q = v.question(qid)
            wording = question_text(qid, self.role, self.lang) or q.wording(self.role)
            assert wording in text, f"question {qid} does not carry its trial wording ({self.lang})"
            if self.role == "clinician":
                named = f"{self.pid}：" if self.lang == "zh" else f"{self.pid}: "
                assert text.startswith(named) or f"\n{named}" in text, "the patient is named"
        report = self.report()
        for criterion in custom["criteria"]:
            status = report.status(criterion)
            assert status == "unknown", (
                f"asked {qid} about {criterion}, already {status}: "
                f"{report.result(criterion).reason}\n{self.dump()}"
            )
        if not self.go_on:
            assert (
                report.verdict != "ineligible"
            ), f"asked {qid} although the verdict cannot change\n{self.dump()}"
        self.asked.append(qid)
        self.current = custom

    # --- what Rasa holds ---------------------------------------------------------------------
    def slots(self) -> dict[str, Any]:
        return tracker_slots(self.rasa_url, f"{self.role}:{self.sub}", self.api_token)

    def dump(self) -> str:
        return "\n".join(self.transcript[-12:])


def verdict_line(replies: list[dict]) -> str | None:
    """The `Verdict:` line of the last bot message (contract.md), if any."""
    texts = [m.get("text", "") for m in replies if m.get("text")]
    if not texts:
        return None
    return next((line for line in texts[-1].splitlines() if line.startswith(("Verdict: ", "结论："))), None)
