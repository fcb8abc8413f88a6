"""How an answer is put together: from a need, the card's details and the knowledge base.

This is the only place that turns knowledge-base entries into the text a user reads. An answer leads with
the one thing to do now (its first message stays short: LEAD_LIMIT, 300 characters); what to have ready, the
other ways and the safety notes come on request (`have_ready`, `channel_detail`, `follow_up`; one aspect
of an answer: `aspects.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

from bot.knowledge.language import HINDI, HINGLISH
from bot.knowledge.translate import translate
from bot.knowledge.schema import Contact, Hindi, KnowledgeBase, Need

# Intents that ask about one channel; said after another need, they are read in its context.
CHANNEL_INTENTS: Dict[str, str] = {
    "contact_phone": "phone", "contact_chat": "chat", "contact_email": "email",
    "contact_letter": "letter", "contact_social_media": "social_media",
}
LEAD_LIMIT = 300


@dataclass(frozen=True)
class Reply:
    """The messages of an answer, and the detail to ask for next ("region", "card_type") if any."""

    messages: List[str]
    ask: Optional[str] = None
    offers: List[str] = field(default_factory=list)  # follow-ups worth offering as buttons
    # A follow-up whose lines depend on the card's details: a detail given next answers it again.
    depends_on_details: bool = False
    hindi: Optional[Hindi] = None  # what this reply says first, in Hindi (see `in_language`)


def narrowing(need: Need, region: Optional[str], card_type: Optional[str]) -> Optional[str]:
    """The detail still unknown that would change this need's contact lines, if any."""
    if not need.contact_region:
        return None
    if region is None:
        return "region"
    if region == "US" and need.lead_contacts == "phone" and card_type is None:
        return "card_type"
    return None


def answer(kb: KnowledgeBase, intent: str, region: Optional[str] = None,
           card_type: Optional[str] = None) -> Optional[Reply]:
    """The answer to `intent` for the card's region and type (None when it is not a need)."""
    need = kb.need(intent)
    if need is None:
        return None
    first = need.lead
    if need.lead_contacts:
        first += "\n" + "\n".join(contact_lines(kb, need, need.lead_contacts, region, card_type))
    messages = [first]
    if need.contacts:
        messages.append(where_to_write(kb, need, region, card_type))
    if need.region_contact and region is not None:
        messages.append(for_the_card(kb, need, need.region_contact, region, card_type))
    offers = [o for o, wanted in (("what_to_prepare", need.prepare), ("contact_options", len(need.channels) > 1
                                                                      or need.self_service)) if wanted]
    return Reply(messages, narrowing(need, region, card_type), [o for o in offers if o != intent],
                 hindi=need.lead_hindi)


# The card, as a narrowed answer names it ("For a U.S. personal card, call:").
CARD_NAMES = {"personal": "a U.S. personal card", "corporate": "a U.S. corporate card",
              "small_business": "a U.S. Small Business card", "centurion": "a U.S. Centurion card",
              None: "a U.S. card"}
REGION_NAMES = {"India": "a card from India", "other": "a card from another country"}


def card_name(region: str, card_type: Optional[str]) -> str:
    """The card in words: "a U.S. personal card", "a card from India"."""
    return CARD_NAMES.get(card_type, "a U.S. card") if region == "US" else REGION_NAMES[region]


def narrowed(kb: KnowledgeBase, intent: str, region: Optional[str], card_type: Optional[str]) -> Optional[Reply]:
    """The answer again for a detail just given, saying only what the detail changed: the lines for the
    card (None when the need's answer has no lines, or no detail is known)."""
    need = kb.need(intent)
    channel = None if need is None else need.lead_contacts or need.region_contact
    if need is None or channel is None or region is None:
        return None
    full = answer(kb, intent, region, card_type)
    assert full is not None
    messages = [for_the_card(kb, need, channel, region, card_type)]
    if need.contacts:  # an escalation's email and letter for the card's country too
        messages.append(where_to_write(kb, need, region, card_type))
    return replace(full, messages=messages, hindi=None)


def where_to_write(kb: KnowledgeBase, need: Need, region: Optional[str], card_type: Optional[str]) -> str:
    """The need's written channels (email, letter) for the region: every region's, labelled, when unknown."""
    lines = _unique(line for ch in need.contacts for line in contact_lines(kb, need, ch, region, card_type))
    return "Where to write:\n" + "\n".join(lines)


def for_the_card(kb: KnowledgeBase, need: Need, channel: str, region: str, card_type: Optional[str]) -> str:
    """The `channel` lines for the card, named: "For a U.S. personal card, call:\n• U.S. Personal Cards: ..."."""
    verb = "call" if channel == "phone" else "see"
    lines = contact_lines(kb, need, channel, region, card_type)
    return f"For {card_name(region, card_type)}, {verb}:\n" + "\n".join(lines)


def contact_lines(kb: KnowledgeBase, need: Need, channel: str, region: Optional[str],
                  card_type: Optional[str]) -> List[str]:
    """Bullet lines with the `channel` contacts for the region; every region's, labelled, when unknown."""
    if region is None:
        found = [c for c in kb.contacts if c.channel == channel]
        return _bullets(found) or [f"• {_no_contact(kb, need, channel)}"]
    found = kb.contacts_for(channel, region, card_type)
    if not found and region == "US" and card_type is not None:
        # Small Business and Centurion cards often have dedicated lines the knowledge base does not hold; the
        # seed's general numbers are the Personal and Corporate cards' (issue 23).
        if channel == "phone":
            return [f"• {kb.no_contact['phone_dedicated'].text}."]
        found = kb.contacts_for(channel, region)
    return _bullets(found) or [f"• {_no_contact(kb, need, channel)}"]


def _no_contact(kb: KnowledgeBase, need: Need, channel: str) -> str:
    own = need.no_contact if channel in (need.lead_contacts, *need.contacts) else None
    said = channel == "phone" and "back of" in need.lead
    text = own or kb.no_contact["phone_website" if said else channel].text
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _bullets(contacts: List[Contact]) -> List[str]:
    """One line per label ("India: 1800-419-2122 or 1800-419-3646"), in the knowledge base's order."""
    by_label: Dict[str, List[Contact]] = {}
    for contact in contacts:
        by_label.setdefault(contact.label, []).append(contact)
    lines = []
    for label, group in by_label.items():
        hours = group[0].hours
        lines.append(f"• {label}: {' or '.join(c.value for c in group)}" + (f" ({hours})" if hours else ""))
    return lines


def _unique(lines) -> List[str]:  # type: ignore[no-untyped-def]
    return list(dict.fromkeys(lines))


def have_ready(kb: KnowledgeBase, intent: str) -> List[str]:
    """What to have ready for `intent` (every item when it is no need), then the seed's takeaways."""
    need = kb.need(intent)
    keys = need.prepare if need and need.prepare else list(kb.prepare)
    items = "\n".join(f"• {kb.prepare[k].text}" for k in keys)
    title = kb.phrases["have_ready"].text
    return [f"{title}:\n{items}", " ".join(t.text for t in kb.takeaways)]


def channel_detail(kb: KnowledgeBase, need: Need, channel: str, region: Optional[str],
                   card_type: Optional[str]) -> List[str]:
    """One channel, as it serves `need`: its contacts for the region first (if it has any), then how and
    when to use it."""
    info = kb.channels[channel]
    about = f"{info.how}\nWhen to use it: {info.when}."
    if channel not in kb.no_contact:  # no contact details: the how is the thing to do
        return [f"{info.label}: {about}"]
    return [f"{info.label}:\n" + "\n".join(contact_lines(kb, need, channel, region, card_type)), about]


def follow_up(kb: KnowledgeBase, topic: str, intent: str, region: Optional[str],
              card_type: Optional[str]) -> Optional[Reply]:
    """A channel `intent` ("and by email?") asked right after an answer about `topic`, answered about
    `topic` (None: answer it alone). The other aspects of an answer are in aspects.py."""
    need = kb.need(topic)
    if need is None or topic == intent or intent not in CHANNEL_INTENTS:
        return None
    channel = CHANNEL_INTENTS[intent]
    if need.urgent and channel != "phone":
        urgent = answer(kb, topic, region, card_type)
        assert urgent is not None
        name = kb.channels[channel].label.split(" (")[0].lower()  # "social media", not its platforms
        note = f"This is urgent, so don't wait for {name}: call now."
        return Reply([note] + urgent.messages, urgent.ask, hindi=urgent.hindi)
    if channel not in need.channels:
        return None
    if channel == need.lead_contacts or channel == "phone":
        ask = "region" if region is None else ("card_type" if region == "US" and card_type is None else None)
    else:
        ask = None
    return Reply(channel_detail(kb, need, channel, region, card_type), ask, depends_on_details=True,
                 hindi=kb.needs[intent].lead_hindi)


def in_language(kb: KnowledgeBase, reply: Reply, language: str) -> Reply:
    """`reply` for a message in Hindi or Hinglish: every sentence in the user's script, without the English
    (bot/knowledge/translate.py); numbers, emails and addresses as they are."""
    if language not in (HINDI, HINGLISH):
        return reply
    return replace(reply, messages=[translate(m, language) for m in reply.messages])


def unavailable(kb: KnowledgeBase) -> str:
    """What the user gets when the answer cannot be looked up (e.g. the action server is down)."""
    lines = _bullets([c for c in kb.contacts if c.channel == "phone"])
    return ("Sorry, I can't look up the details for that right now. Call the number on the back of your "
            "American Express card. If it's not at hand:\n" + "\n".join(lines)
            + f"\n• Other countries: {kb.no_contact['phone_website'].text}.")
