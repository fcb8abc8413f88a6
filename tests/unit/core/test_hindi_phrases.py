"""Hindi for everything the assistant says (bot/knowledge/hindi.yml): each English text it can say, in
Devanagari and in Hinglish, so that a conversation in Hindi stays in Hindi.

Every key is a text the assistant can say (from knowledge_base.yml, domain.yml's responses, or the fixed
fragments of the answer code); every such text of the knowledge base and the domain has an entry; and each
translation keeps exactly the same numbers, emails, quoted names, placeholders and brand names as its English.
No Rasa and no bot import: the files are read as text, relative to the repository root."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
HINDI = ROOT / "bot" / "knowledge" / "hindi.yml"
KNOWLEDGE_BASE = ROOT / "bot" / "knowledge" / "knowledge_base.yml"
DOMAIN = ROOT / "domain.yml"
CODE = [ROOT / "bot" / "knowledge" / "answers.py", ROOT / "bot" / "knowledge" / "aspects.py",
        ROOT / "bot" / "dialogue" / "policy.py", ROOT / "actions" / "actions.py"]
SCRIPTS = ("devanagari", "hinglish")

# Fields of the knowledge base said to users (needs' `lead` has its own `lead_hindi`).
SAID_FIELDS = {"text", "how", "when", "label", "title", "hours", "step", "no_contact"}
NOT_SAID = {"lead", "lead_hindi", "hindi", "sources", "source", "value"}
# Names kept verbatim in both scripts, counted as whole words.
NAMES = ("American Express", "Amex", "Membership Rewards", "Plan It", "Pay It", "X", "Twitter", "Facebook")

DEVANAGARI = re.compile(r"[\u0900-\u097F]")
DEVANAGARI_LETTER = re.compile(r"[\u0904-\u0939\u0958-\u0961\u0972-\u097F]")
DEVANAGARI_DIGIT = re.compile(r"[\u0966-\u096F]")
NUMBER = re.compile(r"[0-9]+")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
QUOTED = re.compile(r'"[^"]*"')
PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hindi() -> Dict[str, Dict[str, str]]:
    table = _load(HINDI)
    assert isinstance(table, dict) and table, f"{HINDI}: expected a mapping of English text to translations"
    return table


@pytest.fixture(scope="module")
def knowledge() -> Dict[str, Any]:
    return _load(KNOWLEDGE_BASE)


@pytest.fixture(scope="module")
def responses() -> Dict[str, Any]:
    return _load(DOMAIN)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed YAML value."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _said(kb: Dict[str, Any]) -> Iterator[Tuple[str, str]]:
    """(where, text) for every knowledge-base text said to users."""
    def walk(value: Any, path: List[str]) -> Iterator[Tuple[str, str]]:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in NOT_SAID:
                    yield from walk(v, path + [str(k)])
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(v, path + [str(i)])
        elif isinstance(value, str) and path and path[-1] in SAID_FIELDS:
            yield ".".join(path), value
    yield from walk(kb, [])


def _responses(domain: Dict[str, Any]) -> Iterator[Tuple[str, str]]:
    """(where, text) for every domain.yml response text and button title."""
    for name, variants in (domain.get("responses") or {}).items():
        for variant in variants:
            if variant.get("text"):
                yield name, variant["text"]
            for button in variant.get("buttons") or []:
                yield f"{name} button", button["title"]


def _code() -> Tuple[str, Set[str], List[List[Optional[str]]]]:
    """The four modules' source; their string constants (adjacent literals joined), each also line by line;
    and their f-strings line by line, as templates: fixed text (str) and values (None)."""
    sources, constants, templates = [], set(), []
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        sources.append(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
                constants.update(line.strip() for line in node.value.split("\n") if line.strip())
            elif isinstance(node, ast.JoinedStr):
                lines: List[List[Optional[str]]] = [[]]
                for value in node.values:
                    if isinstance(value, ast.Constant):
                        first, *rest = str(value.value).split("\n")
                        lines[-1].append(first)
                        lines += [[line] for line in rest]
                    else:
                        lines[-1].append(None)
                templates += [t for t in lines if any(isinstance(part, str) and part.strip() for part in t)]
    return "\n".join(sources), constants, templates


class Filled:
    """A template that matches a text when its values are each one of `values` ("This is urgent, so don't
    wait for live chat: call now." from f"This is urgent, so don't wait for {name}: call now.")."""

    def __init__(self, template: List[Optional[str]], values: Set[str]) -> None:
        self.template, self.values = template, values
        self.pattern = re.compile("".join("(.+?)" if part is None else re.escape(part) for part in template))

    def fullmatch(self, text: str) -> bool:
        found = self.pattern.fullmatch(text)
        return bool(found) and all(value in self.values for value in found.groups())


def _constant(name: str) -> Any:
    """A module-level constant of the four modules (a literal), by name."""
    for path in CODE:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in {[str(p.relative_to(ROOT)) for p in CODE]}")


@pytest.fixture(scope="module")
def sayable(knowledge, responses) -> Tuple[Set[str], List[List[Optional[str]]], List[Filled]]:
    """The texts the assistant can say, the code's f-string templates, and their patterns filled with them."""
    said = set(_strings(knowledge)) | {text for _, text in _responses(responses)}
    # aspects.py names the lines it has no hours for: "these lines", or "the India lines" with no region.
    aspects = (ROOT / "bot" / "knowledge" / "aspects.py").read_text(encoding="utf-8")
    for replacement in re.findall(r'"(the [A-Za-z]+ lines)"', aspects):
        said |= {s.replace("these lines", replacement) for s in list(said) if "these lines" in s}
    _, constants, templates = _code()
    # The values f-strings are filled with: texts, the code's constants, and a channel as the urgent note
    # names it (its label before " (", lower-cased: "social media").
    values = said | constants | {ch["label"].split(" (")[0].lower() for ch in knowledge["channels"].values()}
    return said | constants, templates, [Filled(t, values) for t in templates]


def test_every_key_is_a_text_the_assistant_can_say(hindi, sayable):
    said, _, patterns = sayable
    source, _, _ = _code()
    unknown = [key for key in hindi if not (
        key in said or key in source or any(p.fullmatch(key) for p in patterns))]
    assert unknown == []


def test_the_urgent_note_is_there_for_every_channel_it_can_name(hindi, knowledge, sayable):
    _, templates, patterns = sayable
    (urgent,) = [p for t, p in zip(templates, patterns) if any(part and "urgent" in part for part in t)]
    channels = set(_constant("CHANNEL_INTENTS").values()) | {"phone"}
    names = {ch["label"].split(" (")[0].lower() for name, ch in knowledge["channels"].items()
             if name in channels}
    notes = {key for key in hindi if urgent.fullmatch(key)}
    assert len(notes) == len(names) == 5
    assert all(any(f" {name}:" in note for note in notes) for name in names)


def test_every_text_of_the_knowledge_base_and_the_domain_has_an_entry(hindi, knowledge, responses):
    said = list(_said(knowledge)) + list(_responses(responses))
    assert len(said) > 100  # the walk found the texts
    assert [(where, text) for where, text in said if text not in hindi] == []


def test_the_fixed_fragments_of_the_answers_have_an_entry(hindi):
    source, _, _ = _code()
    fragments = ("Where to write", "When to use it", "How to escalate", "Self-service", "Other countries")
    for fragment in fragments:
        if f"{fragment}:" in source:
            assert fragment in hindi, fragment
    # The cards as the code names them ("Noted: a U.S. card, personal.", "For a card from India, call:").
    names = [value for table in ("DETAIL_NAMES", "CARD_NAMES", "REGION_NAMES") if f"{table} =" in source
             for value in _constant(table).values()]
    assert "a U.S. card" in names
    assert [name for name in names if name not in hindi] == []


def test_every_translation_has_both_scripts(hindi):
    bad = {key: value for key, value in hindi.items() if not (
        isinstance(key, str) and isinstance(value, dict) and set(value) == set(SCRIPTS)
        and all(isinstance(value[s], str) and value[s].strip() for s in SCRIPTS))}
    assert bad == {}


def test_devanagari_is_in_devanagari_and_hinglish_in_latin_letters(hindi):
    assert [key for key, v in hindi.items() if not DEVANAGARI_LETTER.search(v["devanagari"])] == []
    assert [key for key, v in hindi.items() if DEVANAGARI.search(v["hinglish"])] == []
    assert [key for key, v in hindi.items() if DEVANAGARI_DIGIT.search(v["devanagari"])] == []


def facts(text: str) -> Counter:
    """What must not change in a translation: numbers, emails, quoted names, placeholders, brand names."""
    found = Counter(f"number {n}" for n in NUMBER.findall(text))
    found.update(f"email {e}" for e in EMAIL.findall(text))
    found.update(f"quoted {q}" for q in QUOTED.findall(text))
    found.update(f"placeholder {p}" for p in PLACEHOLDER.findall(text))
    for name in NAMES:
        count = len(re.findall(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text))
        if count:
            found[f"name {name}"] = count
    return found


def test_each_translation_keeps_the_numbers_emails_quoted_names_and_brands(hindi):
    mismatched = {(key, script): (facts(key), facts(value[script]))
                  for key, value in hindi.items() for script in SCRIPTS if facts(key) != facts(value[script])}
    assert mismatched == {}
    assert sum(bool(facts(key)) for key in hindi) >= 20  # the check is not vacuous


@pytest.mark.parametrize("english, translation", [
    ("Call 1-800-528-4800 (24/7).", "1-800-528-4800 par call karein (24 ghante)."),
    ("Write to Manager-Customerservicesindia@aexp.com.", "Manager-Customerservices@aexp.com par likhein."),
    ('Open "Account Services".', '"Profile" kholein.'),
    ('Open "Contact Us".', "Contact Us kholein."),
    ("Noted: {details}.", "Note kar liya."),
    ("Use the Amex app.", "अमेक्स ऐप इस्तेमाल करें।"),
    ("Post on X or Facebook.", "Facebook par post karein."),
])
def test_the_check_catches_a_changed_or_missing_fact(english, translation):
    assert facts(english) != facts(translation)


def test_the_bullets_and_lines_are_kept(hindi):
    assert [key for key, v in hindi.items() for s in SCRIPTS
            if v[s].count("\n") != key.count("\n") or v[s].count("•") != key.count("•")] == []


def test_no_key_is_given_twice():
    """yaml.safe_load keeps the last of two equal keys: a second translation would hide the first."""
    node = yaml.compose(HINDI.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    keys = Counter(k.value for k, _ in node.value)
    assert [k for k, n in keys.items() if n > 1] == []
