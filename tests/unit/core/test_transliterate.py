"""Devanagari in Latin letters, as Hinglish writers spell it (bot/nlu/transliterate.py)."""

import unicodedata

import pytest

from bot.nlu.transliterate import has_devanagari, to_latin


@pytest.mark.parametrize("hindi, latin", [
    ("मेरा कार्ड खो गया है", "mera kard kho gaya hai"),
    ("मेरा कार्ड चोरी हो गया", "mera kard chori ho gaya"),
    ("शिकायत करना है", "shikayat karna hai"),
    ("नंबर बदलना", "nanbar badalna"),
    ("ज़्यादा", "zyada"),
    ("नमस्ते धन्यवाद", "namaste dhanyavad"),
    ("पासवर्ड भूल गया हूँ", "pasvard bhul gaya hun"),
    ("card खो गया", "card kho gaya"),
    ("I lost my card", "I lost my card"),
])
def test_to_latin(hindi, latin):
    assert to_latin(hindi) == latin


def test_a_precomposed_nukta_letter_reads_like_the_decomposed_one():
    precomposed, decomposed = "\u095e\u094b\u0928", "\u092b\u093c\u094b\u0928"  # फ़ोन, two ways
    assert unicodedata.normalize("NFD", precomposed) == decomposed
    assert to_latin(precomposed) == to_latin(decomposed) == "fon"


def test_no_devanagari_is_left_and_nothing_is_dropped():
    text = "मेरे कार्ड से किसी ने बिना अनुमति के पैसे निकाले"
    latin = to_latin(text)
    assert not has_devanagari(latin) and len(latin.split()) == len(text.split())
    assert all(word.isascii() and word for word in latin.split())
