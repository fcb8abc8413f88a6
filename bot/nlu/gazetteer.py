"""Entity extraction with a spaCy `entity_ruler` built from `bot/nlu/gazetteer.yml`.

Regions, card types and channels are closed vocabularies, so a rule-based matcher is
exact, needs no training and gives canonical values directly ("Bengaluru" -> India).
The spaCy pipeline is built from the gazetteer in memory (no model download). Before matching, a
word one typo away from a `fuzzy` word of the gazetteer is read as that word ("persnal" -> personal);
a reply that is only a `whole_message` value ("us", "personal") names it. When a message names two
countries, the card's ("issued in Mumbai, but I'm in New York") wins over where the user is.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
import re
from typing import Any, Dict, Iterable, List, Tuple

import pycountry
import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc

GAZETTEER_PATH = Path(__file__).parent / "gazetteer.yml"
# Georgia is also a U.S. state, which is the likelier meaning for this product.
SKIPPED_COUNTRIES = {"US", "IN", "GE"}
# The brand is matched as one entity so that its words name nothing else ("American Express" is not the U.S.),
# then dropped: it is never a region.
BRAND = ("american express", "americanexpress", "amex", "american express card", "amex card")


def _patterns(nlp: Language, phrase: str, case_sensitive: bool) -> List[Any]:
    """Patterns for `phrase`: the phrase itself, matched on lower-case tokens by the ruler's phrase matcher,
    or token patterns on the exact spelling; a dotted word ("u.s.") is also matched as one token, because
    spaCy splits it alone but keeps it whole inside a sentence."""
    tokens = [t.text for t in nlp.make_doc(phrase)]
    if case_sensitive:
        patterns: List[Any] = [[{"ORTH": t} for t in tokens]]
    else:
        patterns = [phrase]
    if len(tokens) > 1 and " " not in phrase:
        patterns.append([{"ORTH": phrase}] if case_sensitive else [{"LOWER": phrase.lower()}])
    return patterns


def _other_countries(listed: Iterable[str] = ()) -> Iterable[str]:
    """Names of every country except the U.S. and India, as people write them, but those the gazetteer
    lists itself (Puerto Rico is a U.S. state's peer there: one name, one meaning)."""
    known = {name.lower() for name in listed}
    for country in pycountry.countries:
        if country.alpha_2 in SKIPPED_COUNTRIES:
            continue
        for attr in ("name", "common_name"):
            name = getattr(country, attr, None)
            if name and "," not in name and name.lower() not in known:
                yield name


def _listed(gazetteer: Dict[str, Any]) -> Iterable[Tuple[str, str, str, str]]:
    """(entity, value, kind, phrase) for each phrase the gazetteer lists for the ruler ("case_sensitive",
    "phrases" or "hindi"; "fuzzy" and "whole_message" words are read apart)."""
    for entity, values in gazetteer.items():
        for value, spec in values.items():
            for kind in ("case_sensitive", "phrases", "hindi"):
                for phrase in spec.get(kind, []):
                    yield entity, value, kind, phrase


def build_pipeline(gazetteer: Dict[str, Any]) -> Language:
    """A blank English spaCy pipeline whose entity ruler knows the gazetteer's phrases."""
    nlp = spacy.blank("en")
    # Phrases go to the phrase matcher (a hash lookup per token): the token matcher tries every pattern at
    # every token, in C without letting go of the interpreter lock, about 10 us a token for 800 patterns
    # (40-90 ms for a 4,000-character message of one-character words, during which no other thread runs).
    ruler: Any = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})  # an EntityRuler
    listed = list(_listed(gazetteer))
    patterns: List[Dict[str, Any]] = [
        {"label": entity, "id": value, "pattern": pattern}
        for entity, value, kind, phrase in listed
        for pattern in _patterns(nlp, phrase, kind == "case_sensitive")
    ]
    patterns += [
        {"label": "region", "id": "other", "pattern": pattern}
        for name in _other_countries(phrase for *_, phrase in listed)
        for pattern in _patterns(nlp, name, False)
    ]
    patterns += [{"label": "brand", "pattern": pattern} for name in BRAND for pattern in _patterns(nlp, name, False)]
    ruler.add_patterns(patterns)
    return nlp


# Words around a country that say it is the card's, or where the user only is.
CARD_WORDS = {"card", "cards", "amex", "issued", "from", "bank", "account"}
LOCATION_WORDS = {"i'm", "im", "am", "traveling", "travelling", "visiting", "currently", "staying", "trip",
                  "holiday", "vacation", "now", "live", "living", "moved", "abroad"}
# "personal" names the card type, except before these words ("my personal details" is no card).
NOT_A_CARD_AFTER = {"details", "detail", "information", "info", "data", "loan", "loans", "id", "address", "email",
                    "number", "phone"}
# Words around a bare reply that do not change it ("it's a personal card" -> "personal").
FILLERS = {"it's", "its", "it", "is", "a", "an", "my", "the", "from", "in", "i'm", "im", "i", "am", "card",
           "one", "please", "pls", "thanks", "sorry", "oh", "ok", "okay", "um", "uh", "issued"}


class Gazetteer:
    """The gazetteer's matcher: a spaCy entity ruler, typo-tolerant words and whole-message replies."""

    def __init__(self, path: Path = GAZETTEER_PATH) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.nlp = build_pipeline(data)
        fuzzy = [w.lower() for values in data.values() for spec in values.values() for w in spec.get("fuzzy", [])]
        # By length: a word is only compared with those one letter longer, shorter or as long (per message).
        self.fuzzy: Dict[int, List[str]] = {}
        for w in dict.fromkeys(fuzzy):
            self.fuzzy.setdefault(len(w), []).append(w)
        self.whole: Dict[str, Tuple[str, str]] = {
            phrase.lower(): (entity, value) for entity, values in data.items()
            for value, spec in values.items() for phrase in spec.get("whole_message", [])}

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities in `text` as Rasa entity dicts with canonical values."""
        original = self.nlp.make_doc(text)
        words = [self._spelled(t.text) for t in original]
        doc = Doc(self.nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in original])
        for _, component in self.nlp.pipeline:
            doc = component(doc)
        lower = [w.lower() for w in words]
        found = [{"entity": e.label_, "value": e.ent_id_, "start": original[e.start].idx,
                  "end": original[e.end - 1].idx + len(original[e.end - 1].text)} for e in doc.ents
                 if e.label_ != "brand" and not _denied(lower, e.start)]
        found = [e for e in found if not _personal_detail(e, original)] + _lowercase_us(found, original)
        if not found:
            found = self._whole_message(words, original)
        return _card_region(found, lower, original)

    def _spelled(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 5 or not lower.isalpha() or lower in self.fuzzy.get(len(lower), ()):
            return word
        near = (w for n in (len(lower) - 1, len(lower), len(lower) + 1) for w in self.fuzzy.get(n, ()))
        return next((w for w in near if _one_typo(lower, w)), word)

    def _whole_message(self, words: List[str], original: Doc) -> List[Dict[str, Any]]:
        kept = [i for i, w in enumerate(words) if re.search(r"\w", w) and w.lower() not in FILLERS]
        phrase = " ".join(words[i].lower() for i in kept)
        if phrase not in self.whole:
            return []
        entity, value = self.whole[phrase]
        start, end = original[kept[0]], original[kept[-1]]
        return [{"entity": entity, "value": value, "start": start.idx, "end": end.idx + len(end.text)}]


# After a lower-case "us" these words make it the country ("a us personal card"); alone it is a pronoun.
US_BEFORE = {"card", "cards", "amex", "based", "issued", "account"}


def _lowercase_us(found: List[Dict[str, Any]], doc: Doc) -> List[Dict[str, Any]]:
    """A region entity for a lower-case "us" right before a card type or a card word, or ending the message
    right after one ("a charge on my gold card, us"; not "can you help us")."""
    if any(e["entity"] == "region" for e in found):
        return []
    card_starts = {e["start"] for e in found if e["entity"] == "card_type"}
    card_ends = {e["end"] for e in found if e["entity"] == "card_type"}
    words = [t for t in doc if not t.is_punct]
    for i, token in enumerate(words):
        if token.lower_ not in ("us", "u.s"):
            continue
        after = words[i + 1] if i + 1 < len(words) else None
        before = words[i - 1] if i else None
        if (after is not None and (after.idx in card_starts or after.lower_ in US_BEFORE)) or (
                after is None and before is not None
                and (before.idx + len(before.text) in card_ends or before.lower_ in US_BEFORE)):
            return [{"entity": "region", "value": "US", "start": token.idx, "end": token.idx + len(token.text)}]
    return []


def _personal_detail(entity: Dict[str, Any], doc: Doc) -> bool:
    """Whether a bare "personal" is about the member's details, not the card ("personal details")."""
    if entity["entity"] != "card_type" or entity["end"] - entity["start"] != len("personal"):
        return False
    after = next((t for t in doc if t.idx >= entity["end"] and not t.is_punct), None)
    return after is not None and after.lower_ in NOT_A_CARD_AFTER


def _one_typo(a: str, b: str) -> bool:
    """True when `a` and `b` differ by exactly one edit: a letter added, dropped, changed, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


# A word within two before an entity that denies it: "not UK, Texas", "it isn't the corporate one".
NEGATIONS = {"not", "n't", "never", "longer"}


def _denied(words: List[str], i: int) -> bool:
    """Whether the entity at token `i` is denied by a word just before it ("not UK, I live in Texas")."""
    return bool(set(words[max(0, i - 2):i]) & NEGATIONS)


def _card_region(entities: List[Dict[str, Any]], words: List[str], doc: Doc) -> List[Dict[str, Any]]:
    """One entity of each kind (a slot takes one value): for the region, the one named as the card's
    country, else the first one not named as where the user is; for the others, the first."""
    def token(entity: Dict[str, Any]) -> int:
        return next(t.i for t in doc if t.idx >= entity["start"])

    regions = [e for e in entities if e["entity"] == "region"]
    firsts: Dict[str, Dict[str, Any]] = {}
    for e in entities:
        firsts.setdefault(e["entity"], e)
    if len({e["value"] for e in regions}) < 2:
        return [e for e in entities if firsts[e["entity"]] is e]

    def score(entity: Dict[str, Any]) -> int:
        i = token(entity)
        before, after = set(words[max(0, i - 3):i]), set(words[i + 1:i + 3])
        return 2 * bool((before | after) & CARD_WORDS) - 2 * bool(before & LOCATION_WORDS)

    firsts["region"] = max(regions, key=score)  # the first of the best: max keeps the first
    return [e for e in entities if firsts[e["entity"]] is e]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer()


def extract(text: str) -> List[Dict[str, Any]]:
    """Entities in `text` as Rasa entity dicts with canonical values (the bundled gazetteer)."""
    return default_gazetteer().extract(text)
