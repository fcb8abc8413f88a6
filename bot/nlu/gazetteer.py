"""Entity extraction with a spaCy `entity_ruler` built from `bot/nlu/gazetteer.yml`.

Regions, card types and channels are closed vocabularies, so a rule-based matcher is
exact, needs no training and gives canonical values directly ("Bengaluru" -> India).
The spaCy pipeline is built from the gazetteer in memory (no model download).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pycountry
import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc

GAZETTEER_PATH = Path(__file__).parent / "gazetteer.yml"
# Georgia is also a U.S. state, which is the likelier meaning for this product.
SKIPPED_COUNTRIES = {"US", "IN", "GE"}


def _token_patterns(nlp: Language, phrase: str, case_sensitive: bool) -> List[List[Dict[str, str]]]:
    """Token patterns for `phrase`; a dotted word ("u.s.") is also matched as one token,
    because spaCy splits it alone but keeps it whole inside a sentence."""
    attr = "ORTH" if case_sensitive else "LOWER"
    tokens = [t.text if case_sensitive else t.lower_ for t in nlp.make_doc(phrase)]
    patterns = [[{attr: t} for t in tokens]]
    if len(tokens) > 1 and " " not in phrase:
        patterns.append([{attr: phrase if case_sensitive else phrase.lower()}])
    return patterns


def _other_countries() -> Iterable[str]:
    """Names of every country except the U.S. and India, as people write them."""
    for country in pycountry.countries:
        if country.alpha_2 in SKIPPED_COUNTRIES:
            continue
        for attr in ("name", "common_name"):
            name = getattr(country, attr, None)
            if name and "," not in name:
                yield name


def build_pipeline(path: Path = GAZETTEER_PATH) -> Language:
    """A blank English spaCy pipeline whose entity ruler knows the gazetteer."""
    gazetteer = yaml.safe_load(path.read_text(encoding="utf-8"))
    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": None})  # an EntityRuler
    patterns: List[Dict[str, Any]] = []
    for entity, values in gazetteer.items():
        for value, spec in values.items():
            for flag in ("case_sensitive", "phrases"):
                patterns += [
                    {"label": entity, "id": value, "pattern": pattern}
                    for phrase in spec.get(flag, [])
                    for pattern in _token_patterns(nlp, phrase, flag == "case_sensitive")
                ]
    patterns += [
        {"label": "region", "id": "other", "pattern": pattern}
        for name in _other_countries()
        for pattern in _token_patterns(nlp, name, False)
    ]
    ruler.add_patterns(patterns)
    return nlp


@lru_cache(maxsize=1)
def default_pipeline() -> Language:
    return build_pipeline()


def extract(text: str, nlp: Optional[Language] = None) -> List[Dict[str, Any]]:
    """Entities in `text` as Rasa entity dicts with canonical values."""
    return entities_of((nlp or default_pipeline())(text))


def entities_of(doc: Doc) -> List[Dict[str, Any]]:
    """The ruler's matches in `doc` as Rasa entity dicts."""
    return [
        {"entity": ent.label_, "value": ent.ent_id_, "start": ent.start_char, "end": ent.end_char}
        for ent in doc.ents
    ]
