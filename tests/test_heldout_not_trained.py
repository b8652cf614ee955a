"""The held-out chat sets stay held out: no message of theirs is in the training data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "heldout"


def _norm(text: str) -> str:
    # Entity annotations "[123](patient_id)" reduce to their text; case, spaces and
    # punctuation do not make a message new.
    text = re.sub(
        r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2) or "", text
    )
    return re.sub(r"[\W_]+", "", text.lower())


def _training_examples() -> set[str]:
    out: set[str] = set()
    for path in sorted((REPO / "data").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.add(_norm(line[2:]))
    return out


def _heldout() -> list[str]:
    texts = []
    for path in sorted(HELDOUT.glob("*.yml")):
        texts += [str(item["text"]) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return texts


def test_heldout_sets_are_large_enough():
    for name, minimum in (("clinician_en.yml", 300), ("zh.yml", 300)):
        items = yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))
        assert len(items) >= minimum, name


def _distinctive(text: str) -> bool:
    # "yes", "nil", "mild", "是的": bare replies come from a small space and coincide by
    # nature; a longer message found in the training data was copied.
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return len(text.split()) >= 4 or cjk >= 6


def test_no_heldout_message_is_trained_on():
    trained = _training_examples()
    assert trained, "no training examples found"
    leaked = [t for t in _heldout() if _distinctive(t) and _norm(t) in trained]
    assert not leaked, f"{len(leaked)} held-out messages are in the training data, e.g. {leaked[:3]}"
