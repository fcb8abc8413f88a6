"""Which language a message is in (bot/knowledge/language.py), and its Hinglish marker list, checked against
the training data: every Hinglish example is found, no English example is."""

from pathlib import Path

import pytest
import yaml

from bot.knowledge.language import ENGLISH, HINDI, HINGLISH, detect, markers

DATA = Path(__file__).resolve().parents[3] / "data"
ENGLISH_FILES = ["nlu.yml", "nlu_banking.yml", "nlu_conversation.yml", "nlu_typos.yml"]
# Hindi words the English files hold on purpose: a greeting, said the same way in both.
ENGLISH_FILE_HINDI = {"namaste"}
# Hinglish examples too short to carry a marker: read as English, which only drops the Hindi first line.
TOO_SHORT = {"na"}


def _examples(name: str) -> list:
    return [line[2:] for block in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["nlu"]
            for line in block.get("examples", "").splitlines() if line.startswith("- ")]


@pytest.mark.parametrize("text, language", [
    ("मेरा कार्ड चोरी हो गया", HINDI),
    ("card खो गया", HINDI),
    ("mera card kho gaya hai", HINGLISH),
    ("Mera Card KHO GYA!!", HINGLISH),
    ("customer care ka number kya hai", HINGLISH),
    ("shikayat karni hai", HINGLISH),
    ("I lost my card", ENGLISH),
    ("what should I have ready?", ENGLISH),
    ("India", ENGLISH),
    ("", ENGLISH),
])
def test_detect(text, language):
    assert detect(text) == language


def test_every_hinglish_example_of_the_training_data_is_found():
    latin = [t for t in _examples("nlu_hinglish.yml") if detect(t) != HINDI]
    assert len(latin) > 200
    assert [t for t in latin if detect(t) != HINGLISH and t not in TOO_SHORT] == []


def test_no_english_example_of_the_training_data_reads_as_hinglish():
    english = [t for name in ENGLISH_FILES for t in _examples(name)]
    assert len(english) > 3000
    assert [t for t in english if detect(t) != ENGLISH and t not in ENGLISH_FILE_HINDI] == []


def test_markers_are_single_lowercase_words_and_not_english_ones():
    words = markers()
    assert all(w.isalpha() and w == w.lower() for w in words)
    assert not words & {"me", "to", "is", "ho", "na", "main", "hi", "do", "ya", "a", "i", "the", "de", "hue", "par", "aa",
                         "mil", "han"}
