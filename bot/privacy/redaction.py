"""Mask card numbers and named secrets in what users type, before anything stores or logs it."""

from __future__ import annotations

import re
from typing import List, Tuple

# Punctuation only, so the NLU tokenizer drops it and the rest of the message is read as usual.
CARD_MASK = "[****]"
SECRET_MASK = "[***]"

# Digits in groups separated by single spaces or dashes ("3782 822463 10005", "4111-1111-...").
_DIGIT_RUN = re.compile(r"(?<![\d])\d+(?:[ \-]\d+)*(?![\d])")
# A secret named as such, then its value: "CVV 123", "security code: 1234", "my PIN is 0000".
# The value must hold a digit, or follow ":" or "=", so "my password is not working" stays.
_SECRET_NAME = r"(?i)\b(cvv2?|cvc2?|cid|csc|security\s+code|pin|passcode|password)\b"
_SECRETS = (
    re.compile(_SECRET_NAME + r"(\s*[:=]\s*)(\S+)"),
    re.compile(_SECRET_NAME + r"(\s*(?:(?:is|was|-)\s*)?)(\S*\d\S*)"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """An Amex number (15 digits, 34/37) or any Luhn-valid 13-19 digit number."""
    if not 13 <= len(digits) <= 19:
        return False
    return (len(digits) == 15 and digits[:2] in ("34", "37")) or luhn_valid(digits)


def _card_spans(run: str) -> List[Tuple[int, int]]:
    """Spans of card numbers inside a run of digit groups, longest first, not overlapping."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run)]
    spans: List[Tuple[int, int]] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            digits = "".join(run[s:e] for s, e in groups[i:j])
            if is_card_number(digits):
                spans.append((groups[i][0], groups[j - 1][1]))
                i = j
                break
        else:
            i += 1
    return spans


def _mask_cards(text: str) -> Tuple[str, int]:
    found = 0

    def mask_run(m: re.Match) -> str:
        nonlocal found
        run = m.group(0)
        for start, end in reversed(_card_spans(run)):
            run = run[:start] + CARD_MASK + run[end:]
            found += 1
        return run

    return _DIGIT_RUN.sub(mask_run, text), found


def redact(text: str) -> Tuple[str, bool]:
    """`text` with card numbers and named secrets masked, control characters removed,
    and whether anything sensitive was masked."""
    text = _CONTROL.sub("", text)
    text, cards = _mask_cards(text)
    secrets = 0
    for pattern in _SECRETS:
        text, n = pattern.subn(lambda m: m.group(1) + m.group(2) + SECRET_MASK, text)
        secrets += n
    return text, bool(cards or secrets)
