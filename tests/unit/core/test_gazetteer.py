"""The gazetteer entity ruler: canonical values for regions, card types and channels."""

import pytest

from bot.nlu.gazetteer import extract


@pytest.mark.parametrize("text, expected", [
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
])
def test_canonical_values(text, expected):
    assert [(e["entity"], e["value"]) for e in extract(text)] == expected


@pytest.mark.parametrize("text", ["can you help us", "I need my personal details changed", "hello"])
def test_no_false_region_or_card(text):
    assert [e for e in extract(text) if e["entity"] in ("region", "card_type")] == []


def test_offsets_point_at_the_words():
    text = "I lost my Gold card in Mumbai"
    assert [text[e["start"]:e["end"]] for e in extract(text)] == ["Gold card", "Mumbai"]
