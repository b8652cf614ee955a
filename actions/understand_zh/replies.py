"""A bare reply ("是的", "没有，2019年治疗过", "以上都没有"): the kind of answer a message opens
with, for the dialogue's yes/no handling (confirmations, grouped questions)."""

from __future__ import annotations

import unicodedata

from actions.understand_zh.lexicon import lexicon

# What may follow a bare reply word: the end, or a separator before the rest of the message.
SEPARATORS = " ，,。.！!？?、;；:：~～"
PARTICLES = "啊呀吧呢哦噢嘛的了"


def bare(text: str) -> str | None:
    """yes | no | not_sure when the message is, or opens with, a reply word standing alone
    ("是", "没有，去年做过" -> no); "无腹水" is not bare (the word runs into a topic)."""
    t = unicodedata.normalize("NFKC", text or "").lower().strip().strip(SEPARATORS)
    if not t:
        return None
    replies = lexicon().replies
    kinds = [("not_sure", w) for w in replies["unsure"]] + [("no", w) for w in replies["none_of_these"]]
    kinds += [("yes", w) for w in replies.get("all_apply", [])]
    kinds += [("no", w) for w in replies["no"]] + [("yes", w) for w in replies["yes"]]
    for kind, word in sorted(kinds, key=lambda kw: len(kw[1]), reverse=True):
        if not t.startswith(word):
            continue
        rest = t[len(word) :].lstrip(PARTICLES)
        if not rest or rest[0] in SEPARATORS:
            return kind
    return None
