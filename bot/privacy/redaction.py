"""Mask card numbers and the other secrets a card member types, before anything stores or logs them.

`redact` is the one function the guard (bot/channels/guard.py), the log formatters (bot/ops/logs.py) and
the report (bot/insights/figures.py) call. It normalises the text first (bot/privacy/normalise.py), then:

- card numbers: a run of digit groups (any Unicode decimal digits) separated by any whitespace, zero-width
  joiners, dashes or `. / _ ,`; inside a run, from its first group on, the longest span of whole groups
  holding a Luhn-valid 13-19 digit number (or 15 digits starting 34/37, an Amex number) becomes `[****]`;
- the other secrets (bot/privacy/secrets.py): security codes, OTPs and PINs with their words, passwords,
  U.S. SSNs, India Aadhaar and PAN numbers become `[***]`.

Linear in the length of the text: one regular-expression pass finds the runs, and inside a run each start
group looks for its longest Luhn-valid end among the 7 digit positions 13-19 digits on, with two
`str.rfind` calls over prefix sums of the Luhn weights (constant time per group). The old version tried every pair of groups with a fresh join and
Luhn check (cubic: a message of 800 one-digit groups took 13 s on the server's event loop).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate
from typing import Dict, List, Tuple

from bot.privacy.normalise import DIGIT_SEPARATORS, normalise
from bot.privacy.secrets import SECRET_MASK, mask_secrets

# Punctuation only, so the NLU tokenizer drops it and the rest of the message is read as usual.
CARD_MASK = "[****]"
__all__ = ["CARD_MASK", "SECRET_MASK", "SEPARATOR", "is_card_number", "luhn_valid", "redact"]

SEPARATOR_CHARS = DIGIT_SEPARATORS
SEPARATOR = f"[{SEPARATOR_CHARS}]"
# A run of digit groups. Python's \d is every Unicode decimal digit (Arabic-Indic, Devanagari, ...). One
# character class repeated, then back to the last digit: no nested repetition to backtrack through.
_RUN = re.compile(rf"\d(?:[\d{SEPARATOR_CHARS}]*\d)?")
_SEPARATORS = re.compile(f"({SEPARATOR}+)")
_AMEX = re.compile("(?=3[47])")
_END, _START = re.compile(r"0\|"), re.compile(r"\|0")
_CARD_LENGTHS = range(13, 20)
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a Luhn digit doubled, digits summed
# ASCII digits to their values, plain and Luhn-doubled; values to ASCII digits.
_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))
_TWICE = bytes.maketrans(b"0123456789", bytes(_DOUBLED))
_ASCII = bytes.maketrans(bytes(range(10)), b"0123456789")
# keys.translate(_ONLY[r]): "1" where keys has the digit r, "0" elsewhere.
_ONLY = [bytes.maketrans(b"0123456789", bytes(49 if d == r else 48 for d in range(10))) for r in range(10)]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        total += _DOUBLED[int(ch)] if i % 2 else int(ch)
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """An Amex number (15 digits, 34/37) or any Luhn-valid 13-19 digit number."""
    if len(digits) not in _CARD_LENGTHS:
        return False
    return (len(digits) == 15 and digits[:2] in ("34", "37")) or luhn_valid(digits)


def _bits(flags: bytes) -> int:
    """An int with bit k set where flags[k] is "1"."""
    return int(flags[::-1], 2)


def _positions(offsets: List[int], n: int) -> int:
    """The bit set of `offsets` (each at most n)."""
    flags = bytearray(b"0" * (n + 1))
    for k in offsets:
        flags[k] = 49
    return _bits(bytes(flags))


def _luhn_keys(weights: bytearray) -> bytes:
    """The last digit of each prefix sum of `weights`, as ASCII digits ("0" for the empty prefix)."""
    return bytes(map((10).__rmod__, accumulate(weights, initial=0))).translate(_ASCII)


def _card_spans(run: str) -> List[Tuple[int, int]]:
    """Character spans of the card numbers in a run of digit groups: greedy from the first group, the
    longest card number starting at each group, not overlapping.

    Positions are digit offsets and sets of them ints used as bit sets, so each test runs over every group
    of the run at once, in C: `valid[d]` holds the group starts s where digits[s:s + d] is a card number
    ending at a group's end. digits[s:e] is Luhn-valid when the Luhn prefix sums for e's parity (the last
    digit is not doubled, the one before is) agree mod 10 at s and e.
    """
    parts = _SEPARATORS.split(run)  # digit groups at even indexes, separators between them
    offsets = list(accumulate(map(len, parts), initial=0))
    digits = "".join(parts[::2])
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(c)) for c in digits)
    n = len(digits)
    if n < _CARD_LENGTHS[0]:
        return []
    ends = list(accumulate(map(len, parts[::2])))
    starts = [0, *ends[:-1]]
    # The run as "0" per digit and "|" per separator run: a digit before a "|" ends a group, one after a
    # "|" starts one (regular expressions rather than a loop over the groups: this is the hot path).
    shape = "|".join("0" * len(p) for p in parts[::2])
    group_ends = _bits(("0" + _END.sub("1", shape + "|")).encode())
    group_starts = _bits((_START.sub("1", "|" + shape) + "0").encode())
    raw = digits.encode()
    plain, doubled = bytearray(raw.translate(_PLAIN)), bytearray(raw.translate(_TWICE))
    weights = plain[:]
    weights[1::2] = doubled[1::2]
    even = _luhn_keys(weights)  # for a number whose last digit is at an even offset
    weights = doubled
    weights[1::2] = plain[1::2]
    odd = _luhn_keys(weights)
    residues = [[_bits(keys.translate(_ONLY[r])) for r in range(10)] for keys in (even, odd)]
    parity = (_bits(b"10" * (n // 2 + 1)), _bits(b"01" * (n // 2 + 1)))  # even / odd offsets
    amex = _positions([m.start() for m in _AMEX.finditer(digits)], n) & group_starts
    valid: Dict[int, int] = {}
    anywhere = 0
    for d in _CARD_LENGTHS:
        agree = [0, 0]
        for which in (0, 1):
            for bits in residues[which]:
                agree[which] |= bits & (bits >> d)
        # The last digit, s + d - 1, is at an even offset when s has the parity of d - 1.
        luhn = (agree[0] & parity[(d - 1) % 2]) | (agree[1] & parity[d % 2])
        valid[d] = group_starts & (group_ends >> d) & (luhn | (amex if d == 15 else 0))
        anywhere |= valid[d]
    char_start = dict(zip(starts, offsets[::2]))
    char_end = dict(zip(ends, offsets[1::2]))
    spans: List[Tuple[int, int]] = []
    at = 0
    while anywhere >> at:  # one pass per card number found
        rest = anywhere >> at
        start = at + (rest & -rest).bit_length() - 1
        length = next(d for d in reversed(_CARD_LENGTHS) if valid[d] >> start & 1)
        spans.append((char_start[start], char_end[start + length]))
        at = start + length
    return spans


def _mask_cards(text: str) -> Tuple[str, int]:
    parts: List[str] = []
    done = found = 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() < _CARD_LENGTHS[0]:
            continue  # too short to hold 13 digits: most numbers in a message
        for start, end in _card_spans(run.group(0)):
            parts += (text[done:run.start() + start], CARD_MASK)
            done = run.start() + end
            found += 1
    parts.append(text[done:])
    return "".join(parts), found


def redact(text: str) -> Tuple[str, bool]:
    """`text` normalised (bot/privacy/normalise.py), with card numbers and secrets masked, and whether
    anything was masked."""
    text, cards = _mask_cards(normalise(text))
    text, secrets = mask_secrets(text)
    return text, bool(cards or secrets)
