"""docs/criteria.md is generated from the trial data; it must not go stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eligibility import load_trial
from eligibility.describe import MissingDescription, render

REPO = Path(__file__).resolve().parent.parent


def test_committed_criteria_doc_is_up_to_date():
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "generate_docs.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_criterion_is_described_with_its_thresholds():
    text = render()
    trial = load_trial()
    for c in trial.criteria:
        assert f"| `{c.id}` |" in text
    platelets = trial.criterion("platelets").params["min"]
    assert f"Platelets at least {platelets} " in text  # numbers come from trial.yaml


def test_a_changed_threshold_changes_the_document():
    import dataclasses

    trial = load_trial()
    changed = tuple(
        dataclasses.replace(c, params={**c.params, "min": 150}) if c.id == "platelets" else c
        for c in trial.criteria
    )
    assert "Platelets at least 150 " in render(dataclasses.replace(trial, criteria=changed))


def test_a_criterion_without_words_is_refused():
    import dataclasses

    trial = load_trial()
    extra = dataclasses.replace(trial.criteria[0], id="new_rule")
    with pytest.raises(MissingDescription):
        render(dataclasses.replace(trial, criteria=(*trial.criteria, extra)))
