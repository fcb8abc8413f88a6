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


@pytest.mark.parametrize("typed, region", [
    ("banglore", "India"), ("bengalure", "India"), ("chenai", "India"), ("hydrabad", "India"), ("kolkatta", "India"),
    ("gurgoan", "India"), ("mumbia", "India"), ("ahmedbad", "India"), ("chandigar", "India"), ("lucknw", "India"),
    ("chicgo", "US"), ("houstan", "US"), ("califronia", "US"), ("philadelpia", "US"),
    ("londn", "other"), ("torronto", "other"), ("sidney", "other"), ("melborne", "other")])
@pytest.mark.parametrize("sentence", ["amx {} helpline no pls", "I lost my card in {}", "{}"])
def test_a_city_misspelled_by_one_letter_is_still_its_region(typed, region, sentence):
    found = [(e["entity"], e["value"]) for e in extract(sentence.format(typed)) if e["entity"] != "channel"]
    assert found == [("region", region)]


def test_no_word_of_the_training_data_or_the_seed_is_one_typo_from_a_place():
    """A fuzzy place must not swallow an English word ("settle" is one letter from "seattle")."""
    import re
    from pathlib import Path

    import yaml

    from bot.nlu.gazetteer import GAZETTEER_PATH, _one_typo

    root = Path(__file__).resolve().parents[3]
    data = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))
    fuzzy = {w for spec in data["region"].values() for w in spec.get("fuzzy", [])}
    text = " ".join(p.read_text(encoding="utf-8") for p in [*root.glob("data/*.yml"), *root.glob("bot/dialogue/*.yml")])
    words = {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 5} - fuzzy
    assert [(w, f) for w in sorted(words) for f in fuzzy if _one_typo(w, f)] == []


@pytest.mark.parametrize("text, expected", [
    ("no wait, not india - it's a us personal card", [("card_type", "personal"), ("region", "US")]),
    ("correction: not UK, I live in Ohio", [("region", "US")]),
    ("it isn't a corporate card, it's business", [("card_type", "small_business")]),
    ("not in the US any more", []),
])
def test_a_detail_the_message_denies_is_not_extracted(text, expected):
    assert sorted((e["entity"], e["value"]) for e in extract(text) if e["entity"] != "channel") == expected


def _listed_places():
    """(phrase, value) for every region phrase the gazetteer lists itself."""
    import yaml

    from bot.nlu.gazetteer import GAZETTEER_PATH
    regions = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))["region"]
    return [(p, value) for value, spec in regions.items() for p in spec.get("phrases", [])]


@pytest.mark.parametrize("frame", ["{}", "I live in {}", "my card is from {} and I'm stuck", "{} card lost",
                                   "hi, {}, thanks"])
def test_a_place_the_gazetteer_lists_is_its_value_in_any_sentence(frame):
    # Puerto Rico is listed with the U.S. states and is also a country of pycountry's list: it was U.S. or
    # "other" by the words around it. The gazetteer's own listing wins, whatever the sentence.
    wrong = [(p, [e["value"] for e in extract(frame.format(p)) if e["entity"] == "region"])
             for p, value in _listed_places()
             if [e["value"] for e in extract(frame.format(p)) if e["entity"] == "region"] != [value]]
    assert wrong == []


@pytest.mark.parametrize("text, region", [
    ("a charge i didnt make on my gold card, us", "US"), ("amex platinum us", "US"), ("corporate card us?", "US"),
    ("my card, us.", "US"), ("can you help us", None), ("my card is with us", None), ("please help us, my card", None),
])
def test_a_lower_case_us_ending_the_message_after_a_card_is_the_country(text, region):
    assert [e["value"] for e in extract(text) if e["entity"] == "region"] == ([region] if region else [])
