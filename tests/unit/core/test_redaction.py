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


# --- every separator, linear time (issue 20) ------------------------------------------------------------

# One of each separator class a card member (or a pasted text) puts between digit groups.
SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2009", "\u3000", "\u200b", "\u200d", "\u2060",
              "\ufeff", "\x01", "\x1f", ".", "-", "/", "_", ",", "\u2013", "\u2212", " - ", ". ", "\u00a0-\u00a0"]
# The digits 0-9 of other scripts (Arabic-Indic, Devanagari, Bengali, full-width).
SCRIPTS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "０１２３４５６７８９"]


def ascii_digits(text: str) -> str:
    """Every digit of `text`, of any script, as ASCII, nothing else: what a reader could recover."""
    import unicodedata
    return "".join(str(unicodedata.digit(c)) for c in unicodedata.normalize("NFKC", text) if c.isdigit())


@st.composite
def written(draw: st.DrawFn, number: str) -> str:
    """The number in random groups, each separator drawn from every class, in one script."""
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=18)))
    parts = [number[i:j] for i, j in zip([0] + cuts, cuts + [len(number)])]
    script = draw(st.sampled_from(SCRIPTS))
    parts = [p.translate(str.maketrans("0123456789", script)) for p in parts]
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(parts) - 1, max_size=len(parts) - 1))
    return parts[0] + "".join(s + p for s, p in zip(seps, parts[1:]))


@given(st.data(), words, words)
@settings(max_examples=500)
def test_every_card_number_is_masked_with_every_separator_and_script(data, before, after):
    number = data.draw(card_numbers())
    masked, found = redact(f"{before} {data.draw(written(number))} {after}")
    assert found and CARD_MASK in masked
    assert number not in ascii_digits(masked)


def _old_spans(digit_groups):
    """Today's (quadratic) rule, the reference: from each group on, the longest run of whole groups that
    is a card number; greedy, not overlapping. Returns (first, last) group indexes."""
    from bot.privacy.redaction import is_card_number
    spans, i = [], 0
    while i < len(digit_groups):
        for j in range(len(digit_groups), i, -1):
            if is_card_number("".join(digit_groups[i:j])):
                spans.append((i, j - 1))
                i = j
                break
        else:
            i += 1
    return spans


@given(st.lists(st.text("0123456789", min_size=1, max_size=6), min_size=1, max_size=40),
       st.data())
@settings(max_examples=400)
def test_the_linear_scan_masks_the_same_groups_as_the_old_rule(groups, data):
    # Draw digit groups biased to hold card numbers: half the time, plant one.
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(groups)))
        number = data.draw(card_numbers())
        cut = data.draw(st.integers(1, len(number) - 1))
        groups = groups[:at] + [number[:cut], number[cut:]] + groups[at:]
    seps = data.draw(st.lists(st.sampled_from([" ", "-", ". ", "\t"]), min_size=len(groups), max_size=len(groups)))
    text = "x " + "".join(g + s for g, s in zip(groups, seps)) + "y"
    expected = list(groups)
    for first, last in reversed(_old_spans(groups)):
        expected[first:last + 1] = [CARD_MASK]
    from bot.privacy.redaction import _mask_cards  # the card numbers only: an SSN-shaped run is masked too

    kept = [t for t in __import__("re").split(r"[\s.\-]+", _mask_cards(text)[0][2:-1]) if t]
    assert kept == [g for g in expected if g]


def test_a_worst_case_message_is_masked_in_linear_time():
    """600 one-digit groups, none a card number (Luhn fails on every span of ones): the old rule tried
    every pair of groups (about 6 s here); the linear scan takes about a millisecond. The bound is loose:
    it only tells linear from cubic on a loaded machine."""
    import time
    for sep in (" ", "-", "\t", "\u00a0", "."):
        text = sep.join("1" * 600)
        started = time.perf_counter()
        assert redact(text) == (text.replace("\u00a0", " "), False)
        assert time.perf_counter() - started < 0.5, sep


def test_a_card_number_split_by_invisible_characters_is_masked():
    for text in ("4111\u200b1111\u200b1111\u200b1111", "4111\u20601111\u20601111\u20601111",
                 "4111.1111.1111.1111", "4111/1111/1111/1111", "4111_1111_1111_1111", "4111,1111,1111,1111",
                 "4111\t1111\n1111  1111", "٤١١١ ١١١١ ١١١١ ١١١١", "４１１１ー１１１１ー１１１１ー１１１１".replace("ー", "-")):
        assert redact(f"card {text} ok") == (f"card {CARD_MASK} ok", True), text


def test_only_the_card_is_masked_around_other_numbers():
    assert redact("paid $1,234.56 on 12/05/2024 with 3782 822463 10005.") == \
        (f"paid $1,234.56 on 12/05/2024 with {CARD_MASK}.", True)
