"""The knowledge base's schema: what each entry holds, checked when the file is loaded."""

from __future__ import annotations

from typing import Dict, List, Optional

from pydantic import BaseModel, Extra, root_validator, validator

REGIONS = ("US", "India", "other")
CARD_TYPES = ("personal", "corporate", "small_business", "centurion")
CHANNELS = ("phone", "chat", "email", "letter", "social_media", "online", "app")


class KnowledgeBaseError(ValueError):
    """The knowledge base file cannot be used; the message says which entry and why."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Fact(_Strict):
    """A piece of text and the seed section it comes from."""

    text: str
    source: str


class Channel(_Strict):
    label: str
    when: str
    how: str
    source: str


class Contact(_Strict):
    """One contact detail (phone number, email, postal address) for a region."""

    channel: str
    region: str
    value: str
    label: str
    source: str
    card_type: Optional[str] = None
    hours: Optional[str] = None
    purpose: Optional[str] = None

    @validator("channel")
    def _known_channel(cls, v: str) -> str:
        return _one_of(v, CHANNELS)

    @validator("region")
    def _known_region(cls, v: str) -> str:
        return _one_of(v, REGIONS)

    @validator("card_type")
    def _known_card_type(cls, v: Optional[str]) -> Optional[str]:
        return v if v is None else _one_of(v, CARD_TYPES)


class EscalationStep(_Strict):
    step: str
    source: str


class Hindi(_Strict):
    """A sentence in Hindi beside its English original (same entry, so the same seed section): in Devanagari
    for Devanagari users, in Latin letters (Hinglish) for Hinglish users."""

    devanagari: str
    hinglish: str


class Phrase(_Strict):
    """The assistant's own words around the facts ("Have ready"), with their Hindi."""

    text: str
    source: str
    hindi: Optional[Hindi] = None


class Need(_Strict):
    """What the assistant says for one intent."""

    title: str
    lead: str
    channels: List[str]
    prepare: List[str]
    self_service: List[str]
    safety: List[str]
    source: str
    lead_contacts: Optional[str] = None
    contacts: List[str] = []
    # The channel whose lines for the card's country are added once it is known (the answer never asks for
    # it: "how do I dispute a charge" needs no country, "... I'm in India" gets India's lines too).
    region_contact: Optional[str] = None
    no_contact: Optional[str] = None
    urgent: bool = False
    contact_region: bool = False
    escalation: bool = False
    lead_hindi: Optional[Hindi] = None  # `lead` in Hindi: said first to a Hindi or Hinglish message

    @validator("channels", "contacts", each_item=True)
    def _known_channels(cls, v: str) -> str:
        return _one_of(v, CHANNELS)

    @validator("lead_contacts", "region_contact")
    def _known_lead_channel(cls, v: Optional[str]) -> Optional[str]:
        return v if v is None else _one_of(v, CHANNELS)


class KnowledgeBase(_Strict):
    sources: Dict[str, str]
    channels: Dict[str, Channel]
    contacts: List[Contact]
    no_contact: Dict[str, Fact]
    prepare: Dict[str, Fact]
    takeaways: List[Fact]
    self_service: Dict[str, Fact]
    safety: Dict[str, Fact]
    escalation: List[EscalationStep]
    needs: Dict[str, Need]
    phrases: Dict[str, Phrase]
    aspects: Dict[str, Fact] = {}

    @root_validator(skip_on_failure=True)
    def _references_resolve(cls, values: dict) -> dict:
        """Every `source` and every key a need refers to must exist."""
        sources = values["sources"]
        problems: List[str] = []
        for where, source in _sources(values):
            if source not in sources:
                problems.append(f"{where}: unknown source '{source}'")
        for name, need in values["needs"].items():
            for field in ("prepare", "self_service", "safety"):
                table = values[field]
                problems += [
                    f"needs -> {name} -> {field}: unknown entry '{key}'"
                    for key in getattr(need, field)
                    if key not in table
                ]
            for channel in [c for c in (need.lead_contacts, *need.contacts) if c]:
                if channel not in values["no_contact"]:
                    problems.append(f"needs -> {name}: no_contact has no entry for '{channel}'")
        missing = set(CHANNELS) - set(values["channels"])
        if missing:
            problems.append(f"channels: missing {sorted(missing)}")
        if problems:
            raise ValueError("; ".join(problems))
        return values

    def need(self, intent: str) -> Optional[Need]:
        return self.needs.get(intent)

    def contacts_for(
        self, channel: str, region: Optional[str], card_type: Optional[str] = None
    ) -> List[Contact]:
        """Contacts of `channel` for `region`; a card-type line only for its card type.

        When the card type is unknown, every line of the region is returned, each
        labelled with the cards it serves.
        """
        found = [c for c in self.contacts if c.channel == channel and c.region == region]
        if card_type is None:
            return found
        return [c for c in found if c.card_type in (None, card_type)]


def _one_of(value: str, allowed: tuple) -> str:
    if value not in allowed:
        raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
    return value


def _sources(values: dict) -> List[tuple]:
    """(location, source key) for every entry that names a seed section."""
    found = [(f"channels -> {k}", v.source) for k, v in values["channels"].items()]
    found += [(f"contacts -> {i} ({c.value})", c.source) for i, c in enumerate(values["contacts"])]
    for table in ("no_contact", "prepare", "self_service", "safety", "aspects"):
        found += [(f"{table} -> {k}", v.source) for k, v in values[table].items()]
    found += [(f"escalation -> {i}", s.source) for i, s in enumerate(values["escalation"])]
    found += [(f"takeaways -> {i}", t.source) for i, t in enumerate(values["takeaways"])]
    found += [(f"needs -> {k}", v.source) for k, v in values["needs"].items()]
    found += [(f"phrases -> {k}", v.source) for k, v in values["phrases"].items()]
    return found
