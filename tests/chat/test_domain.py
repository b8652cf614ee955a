"""The Rasa domain stays in step with the trial's questions and the action server."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.screening import GROUPS
from actions.understand.english import TOPICS_FILE
from actions.vocab import CHECKLIST, vocab
from bot.supervisor import ROOT, model_fingerprint

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def test_one_slot_per_question_filled_from_text_while_requested():
    for qid in [*vocab().questions, CHECKLIST, *GROUPS]:
        slot = DOMAIN["slots"].get(qid)
        assert slot, f"domain.yml lacks the slot of question {qid}"
        (mapping,) = slot["mappings"]
        assert mapping["type"] == "from_text"
        assert mapping["conditions"] == [{"active_loop": "screening_form", "requested_slot": qid}]


def test_every_domain_action_is_served_and_vice_versa():
    executor = ActionExecutor()
    executor.register_package("actions")
    served = set(executor.actions)
    # an entry is a name, or {name: {send_domain: true}} (selective domain, issue 11)
    custom = {a if isinstance(a, str) else next(iter(a)) for a in DOMAIN["actions"]}
    assert custom == served


def test_every_checklist_item_and_topic_names_a_question():
    v = vocab()
    assert set(v.checklist_items) <= set(v.questions)
    assert set(v.topics) <= set(v.questions) | {CHECKLIST}
    for members in GROUPS.values():
        assert set(members) <= set(v.questions)


def test_answer_phrases_name_questions_and_value_sets():
    topics = yaml.safe_load(TOPICS_FILE.read_text())
    v = vocab()
    assert set(topics["questions"]) | set(topics["choices"]) <= set(v.questions)
    assert set(topics["drug_answers"]) <= set(v.questions)
    for vs in (name for sets in topics["drug_answers"].values() for name in sets):
        assert vs in v.trial.valuesets
    assert topics["steroids"]["valueset"] in v.trial.valuesets


def test_labels_cover_every_criterion():
    v = vocab()
    assert {c.id for c in v.trial.criteria} == set(v.labels)
    assert v.labs <= set(v.labels)


def test_model_fingerprint_follows_the_training_data(tmp_path):
    for name in ("config.yml", "domain.yml", "data/rules.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "data" / "nlu").mkdir()
    (tmp_path / "data" / "nlu" / "a.yml").write_text("a")
    before = model_fingerprint(tmp_path)
    assert model_fingerprint(tmp_path) == before
    (tmp_path / "data" / "nlu" / "a.yml").write_text("b")
    assert model_fingerprint(tmp_path) != before
