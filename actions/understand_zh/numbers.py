"""Numbers as Chinese writes them: digits, full-width digits (normalised before), and
numerals ("六十五", "一百三", "两百", "七十五点五")."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
          "九": 9}  # fmt: skip
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万点"
# A number in a message: Arabic (with decimals) or a run of numerals.
NUMBER = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万][零〇一二两三四五六七八九十百千万点]*)"


def _integer(text: str) -> int | None:
    """'六十五' -> 65, '一百三' -> 130 (a trailing digit after 百/千 is the next place),
    '十二' -> 12, '三' -> 3, '二零二一' -> 2021 (digit by digit)."""
    if not text:
        return None
    if all(c in DIGITS for c in text):
        value = 0
        for c in text:
            value = value * 10 + DIGITS[c]
        return value
    if "万" in text:
        high, _, low = text.partition("万")
        h = _integer(high) if high else 1
        # "一万二" = 12000: a lone digit after 万 is the thousands.
        rest = (DIGITS[low] * 1000 if len(low) == 1 and low in DIGITS else _integer(low)) if low else 0
        if h is None or rest is None:
            return None
        return h * 10000 + rest
    total, current, last_unit = 0, None, None
    for c in text:
        if c in DIGITS:
            if current is not None and c not in "零〇":
                return None  # two digits in a row inside a place numeral: not a number
            current = None if c in "零〇" else DIGITS[c]
        elif c in UNITS:
            total += (1 if current is None else current) * UNITS[c]
            current, last_unit = None, UNITS[c]
        else:
            return None
    if current is not None:
        # "一百三" = 130, "两千五" = 2500: a lone digit after a unit is the next place down.
        total += current * (last_unit // 10 if last_unit and last_unit >= 100 and text[-2] in UNITS else 1)
    return total


def parse_number(text: str) -> float | int | None:
    """A number from digits or Chinese numerals; None when the text is not one."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = _integer(whole)
        if w is None or not frac or not all(c in DIGITS for c in frac):
            return None
        return float(f"{w}.{''.join(str(DIGITS[c]) for c in frac)}")
    return _integer(text)
