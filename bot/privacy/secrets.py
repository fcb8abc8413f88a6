"""The secrets a card member types besides card numbers, masked as `[***]` (bot/privacy/redaction.py
calls `mask_secrets` on normalised text, after the card numbers).

- named secrets: a security code (CVV/CVC/CID/CSC, "security code"), an OTP ("OTP", "one-time password",
  "verification code"), a PIN, or a password ("password", "passwd", "pwd", "passcode"), then its value.
  The value is masked when it follows ":" "=" or "#", or holds a digit ("my CVV is 123", "otp 482 913",
  digit groups after it included), or, after "password/pwd/passcode is/was/hai", is not an ordinary
  English word: "my password is hunter" is masked, "my password is not working" stays;
- U.S. Social Security numbers written 3-2-4 (123-45-6789, a valid area and group), or any 9 digits after
  "SSN" / "social security number";
- India Aadhaar numbers written 4-4-4 with a valid Verhoeff check digit, or any 12 digits after
  "Aadhaar" / "UID"; India PAN numbers (AAAAA9999A, the fourth letter one of the holder types).

Every pattern is anchored on a word or a fixed shape and reads a bounded value (at most 64 characters
decide), so the cost stays linear in the length of the text.
"""

from __future__ import annotations

import re
from typing import Callable, List, Tuple

from bot.privacy.normalise import DIGIT_SEPARATORS

SECRET_MASK = "[***]"

_NAMED = re.compile(r"""(?ix)\b(?=[acimopstuv])(?:  # the first letters: rejects most words at once
    (?P<code> cvv2?|cvc2?|cid|csc|cvn|security[\s_-]*code|card\s+verification\s+(?:value|code|number) )
  | (?P<otp> otp|one[\s-]*time[\s-]*(?:password|passcode|code|pin)|verification\s+code|auth(?:entication)?\s+code )
  | (?P<pin> pin|mpin|tpin|ipin )
  | (?P<password> password|passwd|pwd|passcode|pass\s+code )
)\b
(?:\s+(?:number|num|no)\b\.?)?
(?P<sep> \s*(?:[:=\#]|-|\b(?:is|was|hai)\b)?\s* )
(?P<value> \S{1,64} )""")
_REST_OF_TOKEN = re.compile(r"\S*")
_STRONG, _DIGIT = re.compile("[:=#]"), re.compile(r"\d")
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
_AADHAAR = re.compile(rf"(?<![\w-])[2-9][0-9]{{3}}(?P<s>{_SEP}{{1,3}})[0-9]{{4}}(?P=s)[0-9]{{4}}(?![\w-])")
_AADHAAR_NAMED = re.compile(r"(?i)\b(?=[au])(?:aadhaa?r|adhaa?r|uid(?:ai)?)(?:\s+(?:card|number|num|no\b\.?))*"
                            rf"(?:\s*(?:[:=#-]|\b(?:is|was|hai)\b))?\s*(?P<num>\d(?:{_SEP}*\d){{11}})(?!\d)")
_PAN = re.compile(r"(?<![\w])[A-Za-z]{3}[PCHFATBLJGpchfatbljg][A-Za-z][0-9]{4}[A-Za-z](?!\w)")

# Verhoeff's tables (the Aadhaar check digit), flat: _D[10 * c + x] the dihedral group's product of c and
# x, _P[10 * (i % 8) + d] the permutation of a digit d that is i places from the right.
_D = tuple(int(c) for c in "0123456789" "1234067895" "2340178956" "3401289567" "4012395678"
           "5987604321" "6598710432" "7659821043" "8765932104" "9876543210")
_P = tuple(int(c) for c in "0123456789" "1576283094" "5803796142" "8916043527" "9453126870" "4286573901"
           "2793806415" "7046913258")
_NOT_DIGIT = re.compile(r"\D+")


def verhoeff_valid(digits: str) -> bool:
    """Whether ASCII `digits` end in a valid Verhoeff check digit."""
    check = 0
    for i, d in enumerate(digits.encode()[::-1]):
        check = _D[10 * check + _P[10 * (i & 7) + d - 48]]
    return check == 0


def _named_value_end(text: str, m: re.Match) -> int:
    """Where the masked value of a named secret ends, or -1 when the value is not a secret."""
    sep, value = m.group("sep"), m.group("value")
    word = value.lower().strip(".,;:!?'\"()")
    numeric = _STRONG.search(sep) is not None or _DIGIT.search(value) is not None
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
        end = _named_value_end(text, m)
        if end < 0:
            at = m.start("value")  # the value may name the next secret
            continue
        parts += (text[done:m.start("value")], SECRET_MASK)
        done = at = end
        found += 1
    parts.append(text[done:])
    return "".join(parts), found


def _mask_matches(pattern: re.Pattern, text: str, group: int | str = 0,
                  valid: Callable[[str], bool] = lambda _: True) -> Tuple[str, int]:
    found = 0

    def mask(m: re.Match) -> str:
        nonlocal found
        if not valid(_NOT_DIGIT.sub("", m.group(group))):
            return m.group(0)
        found += 1
        return m.group(0)[:m.start(group) - m.start()] + SECRET_MASK + m.group(0)[m.end(group) - m.start():]

    return pattern.sub(mask, text), found


def mask_secrets(text: str) -> Tuple[str, int]:
    """`text` with the secrets above masked, and how many."""
    total = 0
    for pattern, group, valid in ((_SSN_NAMED, "num", None), (_SSN, 0, None), (_AADHAAR_NAMED, "num", None),
                                  (_AADHAAR, 0, verhoeff_valid), (_PAN, 0, None)):
        text, n = _mask_matches(pattern, text, group, valid or (lambda _: True))
        total += n
    text, n = _mask_named(text)
    return text, total + n
