"""The secrets a card member types besides card numbers (bot/privacy/secrets.py), and the one
normalisation every check reads (bot/privacy/normalise.py)."""

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.normalise import INVISIBLE, normalise
from bot.privacy.redaction import SECRET_MASK, redact
from bot.privacy.secrets import verhoeff_valid
from tests.unit.core.test_redaction import SEPARATORS

M = SECRET_MASK


@pytest.mark.parametrize("text, masked", [
    ("my CVV is 123", f"my CVV is {M}"),
    ("CVC2: 987", f"CVC2: {M}"),
    ("the security code is 4821 thanks", f"the security code is {M} thanks"),
    ("Card verification value 123", f"Card verification value {M}"),
    ("my otp is 482913", f"my otp is {M}"),
    ("OTP 482 913 did not work", f"OTP {M} did not work"),
    ("the one-time password was 55 21 09", f"the one-time password was {M}"),
    ("verification code: AB12CD", f"verification code: {M}"),
    ("my atm pin is 0000", f"my atm pin is {M}"),
    ("password is hunter", f"password is {M}"),
    ("my pwd is Tr0ub4dor&3", f"my pwd is {M}"),
    ("passcode is swordfish.", f"passcode is {M}"),
    ("mera password hai qwerty", f"mera password hai {M}"),
    ("my ssn is 123-45-6789", f"my ssn is {M}"),
    ("SSN 123456789", f"SSN {M}"),
    ("social security number: 123 45 6789", f"social security number: {M}"),
    ("it is 123.45.6789 I think", f"it is {M} I think"),
    ("aadhaar 2345 6789 0124", f"aadhaar {M}"),
    ("my aadhar number is 234567890124", f"my aadhar number is {M}"),
    ("PAN ABCPE1234F please", f"PAN {M} please"),
    ("pan is abcpe1234f", f"pan is {M}"),
])
def test_secrets_are_masked(text, masked):
    assert redact(text) == (masked, True)


@pytest.mark.parametrize("text", [
    "my password is not working", "I forgot my PIN", "where is the security code on amex?",
    "my password is wrong", "OTP not received", "my pin code is blocked", "call 1800-419-2122",
    "ref 123456789", "ref 234567890124", "order 666-12-3456", "on 2024-01-15", "+91 124 280 1800",
    "2345 6789 0123",  # 4-4-4, but not a valid Verhoeff number
    "ABCDE1234F",      # the fourth letter is no PAN holder type
    "I paid $1,234.56",
])
def test_ordinary_text_stays(text):
    assert redact(text) == (text, False)


def _with_verhoeff(body: str) -> str:
    return next(body + d for d in "0123456789" if verhoeff_valid(body + d))


@given(st.text("0123456789", min_size=10, max_size=10), st.sampled_from("23456789"),
       st.sampled_from([" ", "-", ".", "\u00a0", "  "]))
def test_every_valid_aadhaar_written_4_4_4_is_masked(body, first, sep):
    number = _with_verhoeff(first + body)
    masked, found = redact(f"my number {number[:4]}{sep}{number[4:8]}{sep}{number[8:]} ok")
    assert found and number[4:] not in masked.replace(" ", "")


@given(st.integers(1, 665), st.integers(1, 99), st.integers(1, 9999), st.sampled_from(SEPARATORS),
       st.sampled_from(["ssn", "SSN is", "social security number:"]))
def test_every_ssn_after_its_name_is_masked_with_every_separator(area, group, serial, sep, name):
    digits = f"{area:03d}{group:02d}{serial:04d}"
    masked, found = redact(f"{name} {digits[:3]}{sep}{digits[3:5]}{sep}{digits[5:]}")
    assert found and digits[3:] not in "".join(c for c in masked if c.isdigit())


@given(st.sampled_from(["cvv", "CVV2", "cvc", "CID", "security code", "otp", "OTP", "one time password",
                        "verification code", "pin"]),
       st.sampled_from(["", " is", ":", " =", " -", " was"]), st.text("0123456789", min_size=3, max_size=8))
def test_every_named_numeric_secret_is_masked(name, joiner, value):
    masked, found = redact(f"my {name}{joiner} {value} thanks")
    assert found and value not in masked


@given(st.text("0123456789", min_size=11, max_size=11), st.sampled_from("23456789"))
def test_the_aadhaar_check_a_group_at_a_time_is_verhoeffs(body, first):
    from bot.privacy.secrets import _AADHAAR, _aadhaar_valid
    digits = first + body
    match = _AADHAAR.fullmatch(f"{digits[:4]} {digits[4:8]} {digits[8:]}")
    assert _aadhaar_valid(match) == verhoeff_valid(digits)


@pytest.mark.parametrize("text, masked", [
    # An OTP's name ends in a password's; its value, with no digit, is no OTP, and no password either.
    ("my one-time password is late", "my one-time password is late"),
    ("one time passcode is delayed again", "one time passcode is delayed again"),
    ("my one-time password is 482913", f"my one-time password is {M}"),
    ("pass code-one-time password 4821", f"pass code-{M} password {M}"),
    # A digit counts in the value's first 16 characters (a flood of names reads 16 on from each).
    ("otp is abcdefghijklmno1", f"otp is {M}"),
    ("otp is abcdefghijklmnop1", "otp is abcdefghijklmnop1"),
    ("cvv-" * 900 + "cvv 123", "cvv-" * 900 + f"cvv {M}"),
    ("pin " * 900 + "pin: abc", "pin " * 900 + f"pin: {M}"),
])
def test_named_secrets_at_their_edges(text, masked):
    assert redact(text)[0] == masked


@settings(max_examples=50)
@given(st.sampled_from(["cvv-", "password is ", "pin ", "ssn ", "otp:", "aadhaar ", "2345 6789 0124 ",
                        "ABCPE1234F ", "security code "]))
def test_secret_floods_are_linear(chunk):
    import time
    text = (chunk * 4000)[:4000]
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 0.5


# --- normalisation ----------------------------------------------------------------------------------------

def test_invisible_covers_every_control_and_format_character_of_this_python():
    kept = {"\t", "\n", "\r"}
    missing = [hex(c) for c in range(sys.maxunicode + 1)
               if unicodedata.category(chr(c)) in ("Cc", "Cf") and chr(c) not in kept
               and not INVISIBLE.fullmatch(chr(c))]
    assert missing == []


def test_the_control_character_payload_is_seen_as_the_payload():
    # Issue 20: "\u0001/inform{...}" passed the allowlist, which read it before the control character went.
    assert normalise('\u0001/inform{"region": "Mars"}') == '/inform{"region": "Mars"}'
    assert normalise('\ufeff\u200b／inform{"region": "US"}') == '/inform{"region": "US"}'


def test_normalise_keeps_what_carries_meaning():
    assert normalise("line one\n\tline two\r\n") == "line one\n\tline two\r\n"
    assert normalise("क्\u200dष") == "क्\u200dष"               # a joiner shaping Devanagari stays
    assert normalise("👩\u200d💻") == "👩\u200d💻"
    assert normalise("a\u200db 1\u200d2") == "ab 12"             # between ASCII it goes
    assert normalise("full\u00a0width\u3000ＡＢＣ １２３") == "full width ABC 123"
    assert normalise("\ud800lone surrogate") == "lone surrogate"


@given(st.text())
def test_normalise_is_idempotent_and_leaves_nothing_invisible(text):
    once = normalise(text)
    assert normalise(once) == once
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in once)
