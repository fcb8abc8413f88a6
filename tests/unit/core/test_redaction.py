"""Masking of card numbers and named secrets, including property-based tests."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.redaction import CARD_MASK, luhn_valid, redact


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    return _with_check_digit(draw(st.sampled_from("123456789")) + body[1:])


@st.composite
def formatted(draw: st.DrawFn, number: str) -> str:
    """The number split into random groups joined by spaces or dashes (or nothing)."""
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=6)))
    sep = draw(st.sampled_from(["", " ", "-"]))
    parts = [number[i:j] for i, j in zip([0] + cuts, cuts + [len(number)])]
    return sep.join(parts)


words = st.text("abcdefghijklmnopqrstuvwxyz $.,!?", max_size=30)


@given(st.data(), words, words)
@settings(max_examples=300)
def test_every_luhn_valid_number_is_masked(data, before, after):
    number = data.draw(card_numbers())
    text = f"{before} {data.draw(formatted(number))} {after}"
    masked, found = redact(text)
    assert found
    assert CARD_MASK in masked
    assert number not in masked.replace(" ", "").replace("-", "")


@given(st.sampled_from(["34", "37"]), st.text("0123456789", min_size=12, max_size=12))
def test_amex_numbers_are_masked_even_without_luhn(prefix, rest):
    masked, found = redact(f"my amex is {prefix}{rest[:2]} {rest[2:8]} {rest[8:]}5")
    assert found and CARD_MASK in masked


@given(st.one_of(
    st.integers(0, 10**7).map(lambda n: f"${n:,}.{n % 100:02d}"),                 # amounts
    st.dates().map(lambda d: d.isoformat()),                                     # dates
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["1-800-528-4800", "1800-419-2122", "+91 124 280 1800", "(212) 555-0134"]),  # phones
    st.integers(10**5, 10**12 - 1).map(lambda n: f"ref {n}"),                    # reference numbers
))
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == (text, False)


def test_luhn_invalid_sixteen_digits_left_alone():
    number = _with_check_digit("411111111111111")
    invalid = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert redact(f"order {invalid}") == (f"order {invalid}", False)


def test_named_secrets_are_masked():
    assert redact("my CVV is 123") == ("my CVV is [***]", True)
    assert redact("security code: 4821") == ("security code: [***]", True)
    assert redact("the cid 1234 on the front") == ("the cid [***] on the front", True)
    assert redact("password = hunter2") == ("password = [***]", True)


def test_ordinary_words_after_secret_names_stay():
    for text in ("my password is not working", "I forgot my PIN", "where is the security code on amex?"):
        assert redact(text) == (text, False)


def test_control_characters_are_dropped():
    assert redact("hi\x00\x07 there\n") == ("hi there\n", False)


def test_two_cards_in_one_message():
    rng = random.Random(7)
    a = _with_check_digit("4" + "".join(rng.choice("0123456789") for _ in range(14)))
    b = _with_check_digit("5" + "".join(rng.choice("0123456789") for _ in range(14)))
    masked, _ = redact(f"{a} and {b}")
    assert masked == f"{CARD_MASK} and {CARD_MASK}"
