"""The Rasa project itself, checked by Rasa (.venv-rasa): `rasa data validate`, and `rasa test`
on conversation stories and held-out clinician phrasings."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.supervisor import ROOT, ensure_model, project_args, quiet_env, rasa_python

HERE = Path(__file__).parent / "rasa"
NLU_HOLDOUT_MIN_ACCURACY = 0.85  # on phrasings the model never saw


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(rasa_python()), "-m", "rasa", *args],
        cwd=ROOT,
        env=quiet_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def model() -> Path:
    return ensure_model(ROOT / "models" / "train.log")


def test_rasa_data_validate():
    out = rasa("data", "validate", *project_args(), "--fail-on-warnings")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def test_rasa_test_stories(model, tmp_path):
    out = rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(HERE / "test_stories.yml"),
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
        "--no-plot",
    )
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text() if failed.exists() else ""
    assert out.returncode == 0, report + out.stdout[-3000:] + out.stderr[-3000:]
    assert "None of the test stories failed" in report


def test_rasa_test_nlu_on_held_out_phrasings(model, tmp_path):
    out = rasa(
        "test",
        "nlu",
        "--model",
        str(model),
        "--nlu",
        str(HERE / "nlu_holdout.yml"),
        "--out",
        str(tmp_path),
        "--no-plot",
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    errors = (
        json.loads((tmp_path / "intent_errors.json").read_text())
        if (tmp_path / "intent_errors.json").exists()
        else []
    )
    wrong = [(e["text"], e["intent"], e["intent_prediction"]["name"]) for e in errors]
    assert report["accuracy"] >= NLU_HOLDOUT_MIN_ACCURACY, wrong


def _examples(path: Path) -> set[str]:
    out = set()
    for block in yaml.safe_load(path.read_text()).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().removeprefix("- ").strip()
            text = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", text)  # [text](entity) -> text
            out.add(" ".join(text.lower().split()))
    return out


def test_held_out_phrasings_are_not_training_data():
    training = set().union(*(_examples(p) for p in (ROOT / "data" / "nlu").glob("*.yml")))
    assert not _examples(HERE / "nlu_holdout.yml") & training
