"""The secrets a card member types besides card numbers, masked as `[***]` (bot/privacy/redaction.py
calls `mask_secrets` on normalised text, after the card numbers).

- named secrets: a security code (CVV/CVC/CID/CSC, "security code"), an OTP ("OTP", "one-time password",
  "verification code"), a PIN, or a password ("password", "passwd", "pwd", "passcode"), then its value.
  The value is masked when it follows ":" "=" or "#", or holds a digit in its first 16 characters ("my
  CVV is 123", "otp 482 913", digit groups after it included), or, after "password/pwd/passcode
  is/was/hai", is not an ordinary English word: "my password is hunter" is masked, "my password is not
  working" stays;
- U.S. Social Security numbers written 3-2-4 (123-45-6789, a valid area and group), or any 9 digits after
  "SSN" / "social security number";
- India Aadhaar numbers written 4-4-4 with a valid Verhoeff check digit, or any 12 digits after
  "Aadhaar" / "UID"; India PAN numbers (AAAAA9999A, the fourth letter one of the holder types).

Every pattern is anchored on a word or a fixed shape and reads a bounded value (at most 64 characters
decide), so the cost stays linear in the length of the text.
"""

from __future__ import annotations

import re
from functools import partial
from typing import List, Tuple

from bot.privacy.normalise import DIGIT_SEPARATORS

SECRET_MASK = "[***]"

# A digit within the value's first 16 characters, found without backtracking: a lookahead is not
# re-entered, so `lead` is taken once, whole, and then must be followed by a digit. The bound keeps a
# flood of names ("cvv-cvv-cvv-...") cheap: each name reads at most 16 characters on (64: 2 ms a message).
_DIGIT_AHEAD = r"(?=(?=(?P<{0}>[^\s\d]{{0,15}}))(?P={0})\d)"
_NAMED = re.compile(r"""(?ix)\b(?=[acimopstuv])(?:  # the first letters: rejects most words at once
    (?P<code> cvv2?|cvc2?|cid|csc|cvn|security[\s_-]*code|card\s+verification\s+(?:value|code|number) )
  | (?P<otp> otp|one[\s-]*time[\s-]*(?:password|passcode|code|pin)|verification\s+code|auth(?:entication)?\s+code )
  | (?P<pin> pin|mpin|tpin|ipin )
  | (?P<password> password|passwd|pwd|passcode|pass\s+code )
)\b
(?:\s+(?:number|num|no)\b\.?)?
# The separator, taken whole once (as above), so a value that is no secret fails at once.
(?=(?P<sep> \s*(?:(?P<strong>[:=\#])|(?P<word>-|\b(?:is|was|hai)\b))?\s* ))(?P=sep)
# Only a value that may be a secret (_named_value_end decides): any after ":" "=" "#", a word after
# "password is", else one holding a digit. The regular expression skips the rest itself, so a flood of
# secrets' names costs no Python call each.
(?P<value> (?(strong)|(?(password)(?(word)|""" + _DIGIT_AHEAD.format("lead") + ")|" + _DIGIT_AHEAD.format("lead2")
    + r""")) \S{1,64} )""")
# An OTP's name that ends in a password's (searched up to the password's name's end).
_OTP_NAME = re.compile(r"(?i)\bone[\s-]*time[\s-]*pass(?:word|code)\Z")
_REST_OF_TOKEN = re.compile(r"\S*")
_DIGIT = re.compile(r"\d")
_MORE_DIGITS = re.compile(r"(?:[ \t]+\d{1,8}(?!\w)){1,3}")
# What follows "my password is" when it is not a password (lower case; punctuation around it stripped).
ORDINARY = frozenset("""
    not no wrong incorrect invalid expired expiring locked blocked disabled correct right working broken
    too the my a an being still now forgotten forgot lost reset changed different same weak strong long
    short case required needed asking rejected failing failed empty missing stuck gone compromised stolen
    hacked leaked ok okay fine new old saved also already just very really and or but so it this that what
    which for in on of to at with from by when where why how set sent showing shown known safe secure
    nahi nahin galat kya
""".split())

_SEP = f"[{DIGIT_SEPARATORS}]"
_SSN = re.compile(rf"(?<![\w-])(?!000|666|9)[0-9]{{3}}(?P<s>{_SEP}{{1,3}})(?!00)[0-9]{{2}}(?P=s)(?!0000)[0-9]{{4}}(?![\w-])")
_SSN_NAMED = re.compile(r"(?i)\b(?=[s])(?:ssn|social\s+security(?:\s+(?:number|num|no\b\.?))?)"
                        rf"(?:\s*(?:[:=#-]|\b(?:is|was|hai)\b))?\s*(?P<num>\d(?:{_SEP}*\d){{8}})(?!\d)")
_AADHAAR = re.compile(rf"(?<![\w-])(?P<a>[2-9][0-9]{{3}})(?P<s>{_SEP}{{1,3}})(?P<b>[0-9]{{4}})(?P=s)(?P<c>[0-9]{{4}})(?![\w-])")
_AADHAAR_NAMED = re.compile(r"(?i)\b(?=[au])(?:aadhaa?r|adhaa?r|uid(?:ai)?)(?:\s+(?:card|number|num|no\b\.?))*"
                            rf"(?:\s*(?:[:=#-]|\b(?:is|was|hai)\b))?\s*(?P<num>\d(?:{_SEP}*\d){{11}})(?!\d)")
_PAN = re.compile(r"(?<![\w])[A-Za-z]{3}[PCHFATBLJGpchfatbljg][A-Za-z][0-9]{4}[A-Za-z](?!\w)")

# Verhoeff's tables (the Aadhaar check digit), flat: _D[10 * c + x] the dihedral group's product of c and
# x, _P[10 * (i % 8) + d] the permutation of a digit d that is i places from the right.
_D = tuple(int(c) for c in "0123456789" "1234067895" "2340178956" "3401289567" "4012395678"
           "5987604321" "6598710432" "7659821043" "8765932104" "9876543210")
_P = tuple(int(c) for c in "0123456789" "1576283094" "5803796142" "8916043527" "9453126870" "4286573901"
           "2793806415" "7046913258")


def verhoeff_valid(digits: str) -> bool:
    """Whether ASCII `digits` end in a valid Verhoeff check digit."""
    check = 0
    for i, d in enumerate(digits.encode()[::-1]):
        check = _D[10 * check + _P[10 * (i & 7) + d - 48]]
    return check == 0


def _group_products(shift: int) -> bytes:
    """Verhoeff's product of each 4-digit group (0000-9999) whose last digit is `shift` places from the
    right (mod 8): the group's share of the check, so a 4-4-4 number is checked with three lookups."""
    pairs = [[_D[10 * _P[10 * at + b] + _P[10 * (at + 1) + a]] for a in range(10) for b in range(10)]
             for at in (shift, shift + 2)]  # pairs of digits ab, b `at` places from the right
    return bytes(_D[10 * right + left] for left in pairs[1] for right in pairs[0])


# Verhoeff's check is a product in a group (the dihedral group D5), so it can be taken a group of digits
# at a time: the last 4 digits are 0-3 places from the right, the middle 4-7, the first 8-11 (0-3 mod 8).
_FIRST_OR_LAST, _MIDDLE = _group_products(0), _group_products(4)


def _aadhaar_valid(m: re.Match) -> bool:
    """Whether a 4-4-4 match of _AADHAAR ends in a valid Verhoeff check digit (as `verhoeff_valid`)."""
    first, middle, last = m.group("a", "b", "c")
    return _D[10 * _D[10 * _FIRST_OR_LAST[int(last)] + _MIDDLE[int(middle)]] + _FIRST_OR_LAST[int(first)]] == 0


def _named_value_end(text: str, m: re.Match) -> int:
    """Where the masked value of a named secret ends, or -1 when the value is not a secret."""
    sep, value = m.group("sep"), m.group("value")
    word = value.lower().strip(".,;:!?'\"()")
    numeric = m.group("strong") is not None or _DIGIT.search(value) is not None
    if not numeric and not (m.group("password") and sep.strip() and word not in ORDINARY):
        return -1
    # The whole token, however long: read only once it is masked, so a long token is read once.
    rest = _REST_OF_TOKEN.match(text, m.end("value"))
    end = rest.end() if rest else m.end("value")  # \S* always matches; mypy cannot know
    more = _MORE_DIGITS.match(text, end) if numeric else None  # "otp 482 913": the groups after it too
    return more.end() if more else end


def _mask_named(text: str) -> Tuple[str, int]:
    parts: List[str] = []
    done = at = found = 0
    while True:
        m = _NAMED.search(text, at)
        if m is None:
            break
        if m.group("password") and _OTP_NAME.search(text, max(at, m.start() - 64), m.end("password")):
            # "one-time password is late": the OTP's name matched first and its value, with no digit, is
            # not an OTP (else the search would have stopped at the OTP); as before, read on from the value.
            at = m.start("value")
            continue
        end = _named_value_end(text, m)
        if end < 0:
            at = m.start("value")  # the value may name the next secret
            continue
        parts += (text[done:m.start("value")], SECRET_MASK)
        done = at = end
        found += 1
    parts.append(text[done:])
    return "".join(parts), found


def _mask_named_group(pattern: re.Pattern, text: str) -> Tuple[str, int]:
    """`text` with the group "num" of each match of `pattern` masked."""
    def mask(m: re.Match) -> str:
        whole, at = m.group(0), m.start()
        return whole[:m.start("num") - at] + SECRET_MASK + whole[m.end("num") - at:]

    return pattern.subn(mask, text)


def _mask_aadhaar(text: str) -> Tuple[str, int]:
    found = 0

    def mask(m: re.Match) -> str:
        nonlocal found
        if not _aadhaar_valid(m):
            return m.group(0)
        found += 1
        return SECRET_MASK

    return _AADHAAR.sub(mask, text), found


def mask_secrets(text: str) -> Tuple[str, int]:
    """`text` with the secrets above masked, and how many."""
    total = 0
    for mask in (partial(_mask_named_group, _SSN_NAMED), partial(_SSN.subn, SECRET_MASK),
                 partial(_mask_named_group, _AADHAAR_NAMED), _mask_aadhaar, partial(_PAN.subn, SECRET_MASK),
                 _mask_named):
        text, n = mask(text)
        total += n
    return text, total
