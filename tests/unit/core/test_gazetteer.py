"""The gazetteer entity ruler: canonical values for regions, card types and channels."""

import pytest

from bot.nlu.gazetteer import extract


ENGLISH = [
    ("I lost my card in Delhi", [("region", "India")]),
    ("I'm in bengaluru", [("region", "India")]),
    ("stolen in New York", [("region", "US")]),
    ("I live in the U.S.", [("region", "US")]),
    ("card from Germany", [("region", "other")]),
    ("my Business Platinum", [("card_type", "small_business")]),
    ("my platinum card", [("card_type", "personal")]),
    ("the black card", [("card_type", "centurion")]),
    ("what about corporate cards?", [("card_type", "corporate")]),
    ("I'd prefer email", [("channel", "email")]),
]
# Hinglish and Devanagari names of the same values.
HINDI = [
    ("mera card kho gaya, India me hoon", [("region", "India")]),
    ("Bharat se hoon", [("region", "India")]),
    ("Hindustan me rehta hoon", [("region", "India")]),
    ("मेरा कार्ड भारत में खो गया।", [("region", "India")]),
    ("मैं दिल्ली में हूँ", [("region", "India")]),
    ("हिंदुस्तान", [("region", "India")]),
    ("card amrika ka hai", [("region", "US")]),
    ("मेरा गोल्ड कार्ड", [("card_type", "personal")]),
    ("mera company ka card hai", [("card_type", "corporate")]),
    ("कॉर्पोरेट कार्ड है", [("card_type", "corporate")]),
    ("बिज़नेस कार्ड", [("card_type", "small_business")]),
    ("chitthi bhejni hai", [("channel", "letter")]),
    ("ईमेल पर बताइए", [("channel", "email")]),
]


@pytest.mark.parametrize("text, expected", ENGLISH + HINDI)
def test_canonical_values(text, expected):
    assert [(e["entity"], e["value"]) for e in extract(text)] == expected


@pytest.mark.parametrize("text", ["can you help us", "I need my personal details changed", "hello"])
def test_no_false_region_or_card(text):
    assert [e for e in extract(text) if e["entity"] in ("region", "card_type")] == []


@pytest.mark.parametrize("text, words", [
    ("I lost my Gold card in Mumbai", ["Gold card", "Mumbai"]),
    ("मेरा प्लैटिनम कार्ड भारत में चोरी हो गया", ["प्लैटिनम", "भारत"]),
])
def test_offsets_point_at_the_words(text, words):
    assert [text[e["start"]:e["end"]] for e in extract(text)] == words
