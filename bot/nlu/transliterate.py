"""Devanagari in Latin letters, the way Hinglish writers spell it ("मेरा कार्ड खो गया" -> "mera kard kho gaya").

So that Hindi in Devanagari and Hinglish share the NLU's word and character features (docs/nlu.md, issue 13).
A table of letters, not a dictionary: long vowels single (ā -> a, ī -> i), nukta letters as their sound
(ज़ -> z, फ़ -> f), no final inherent vowel ("कार्ड" -> "kard"), and the inherent vowel dropped between
consonants where Hindi drops it ("करना" -> "karna"). No Rasa here (layer 0); bot/nlu/components.py uses it.
"""

from __future__ import annotations

import re

CONSONANTS = dict(zip(
    "क ख ग घ ङ च छ ज झ ञ ट ठ ड ढ ण त थ द ध न प फ ब भ म य र ल व श ष स ह ळ".split(),
    "k kh g gh n ch chh j jh n t th d dh n t th d dh n p ph b bh m y r l v sh sh s h l".split()))
NUKTA_CONSONANTS = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f", "य": "y"}
VOWELS = dict(zip("अ आ इ ई उ ऊ ऋ ए ऐ ओ औ ऑ ऍ".split(), "a a i i u u ri e ai o au o e".split()))
SIGNS = dict(zip("ा ि ी ु ू ृ े ै ो ौ ॉ ॅ".split(), "a i i u u ri e ai o au o e".split()))
VIRAMA, NUKTA = "\u094d", "\u093c"
# U+0958-U+095F, the precomposed nukta letters (क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़): read as letter + nukta
PRECOMPOSED = {chr(0x0958 + i): base + NUKTA for i, base in enumerate("कखगजडढफय")}
NASALS = {"ं", "ँ"}
OTHER = {"ं": "n", "ँ": "n", "ः": "h", "।": " ", "॥": " ", "ॐ": "om"}
DIGITS = {chr(0x0966 + i): str(i) for i in range(10)}
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def has_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI.search(text))


def _units(word: str) -> list:
    """(latin, kind) per letter: kind "C" consonant (inherent vowel pending), "V" vowel, "X" other."""
    word = "".join(PRECOMPOSED.get(c, c) for c in word)
    units: list = []
    for i, ch in enumerate(word):
        if ch in CONSONANTS:
            nukta = i + 1 < len(word) and word[i + 1] == NUKTA
            units.append([NUKTA_CONSONANTS.get(ch, CONSONANTS[ch]) if nukta else CONSONANTS[ch], "C"])
        elif ch in SIGNS and units and units[-1][1] == "C":
            units[-1] = [units[-1][0] + SIGNS[ch], "CV"]
        elif ch == VIRAMA and units and units[-1][1] == "C":
            units[-1][1] = "C0"  # a consonant without a vowel
        elif ch in VOWELS:
            units.append([VOWELS[ch], "V"])
        elif ch in NASALS and units and units[-1][1] != "X":  # a nasal vowel: "नंबर" -> "nanbar"
            units[-1] = [units[-1][0] + ("an" if units[-1][1] == "C" else "n"), "CV"]
        elif ch != NUKTA:
            units.append([OTHER.get(ch, DIGITS.get(ch, ch)), "X"])
    return units


def _word(word: str) -> str:
    """Right to left, Hindi's schwa deletion, simplified: a consonant's inherent vowel is dropped at the end
    of a word, and before a consonant that has a vowel when a vowel precedes it ("करना" -> "karna")."""
    units = _units(word)
    vowel = [kind != "C0" and kind != "X" for _, kind in units]  # decided right to left for kind "C"
    for i in range(len(units) - 1, -1, -1):
        if units[i][1] != "C":
            continue
        nxt_vowel = i + 1 < len(units) and units[i + 1][1] != "X" and vowel[i + 1] and units[i + 1][1] != "V"
        last = i + 1 == len(units) or units[i + 1][1] == "X"
        vowel[i] = not (last or (i > 0 and vowel[i - 1] and nxt_vowel))
    return "".join(latin + ("a" if kind == "C" and vowel[i] else "") for i, (latin, kind) in enumerate(units))


def to_latin(text: str) -> str:
    """`text` with every Devanagari word in Latin letters; other words as they are."""
    return " ".join(_word(w) if has_devanagari(w) else w for w in text.split())
