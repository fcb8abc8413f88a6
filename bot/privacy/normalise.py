"""One normalisation of what users type: the text the payload allowlist, the limits, the masking and NLU
all read (bot/channels/guard.py runs it first), and the masking runs it again on any other text (logs,
the report).

- Control characters go (tab, newline and carriage return stay: they are the text's own layout), and so
  do format characters (zero-width space, word joiner, byte-order mark, soft hyphen, bidi overrides, ...)
  and lone surrogates (they cannot be written as UTF-8). A zero-width joiner or non-joiner stays only
  between two non-ASCII characters, where it shapes Devanagari conjuncts and emoji sequences.
- Then NFKC: full-width and other compatibility forms become their plain letters and digits ("４" is
  "4", "／" is "/"), and every space character (no-break, thin, ideographic, ...) a plain space.

So "\\u0001/inform{...}" is seen by every check as the "/inform{...}" Rasa would read. One regular
expression pass and one `unicodedata.normalize` call: linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata

_JOINERS = "\u200c\u200d"
# What may stand between the digit groups of one number (a card number, an SSN, an Aadhaar number): any
# whitespace (tabs, newlines, several spaces), the joiners kept, dashes of any kind, and . / _ , (a run of
# them counts as one). The contents of a regular-expression character class.
DIGIT_SEPARATORS = r"\s\u200c\u200d\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d./_,"
# Every Cc and Cf character of Unicode 15 (a test holds it against this Python's unicodedata), the
# joiners (kept or not by `_drop`), and the surrogates.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")


def _drop(match: re.Match) -> str:
    char = match.group(0)
    if char in _JOINERS:
        text, at = match.string, match.start()
        if 0 < at < len(text) - 1 and not text[at - 1].isascii() and not text[at + 1].isascii():
            return char
    return ""


def strip_invisible(text: str) -> str:
    """`text` without control, format and zero-width characters (see the module's docstring)."""
    return INVISIBLE.sub(_drop, text)


def normalise(text: str) -> str:
    """The one form of a user's text every check reads: invisible characters removed, then NFKC (and
    removed again: NFKC can make a kept joiner's neighbours ASCII, "４\u200d１" is "4\u200d1")."""
    return strip_invisible(unicodedata.normalize("NFKC", strip_invisible(text)))
