"""How an answer is put together: from a need, the user's details and the knowledge base.

This is the only place that turns knowledge-base entries into the text a user reads.
"""

from __future__ import annotations

from typing import List, Optional

from bot.knowledge.schema import Contact, KnowledgeBase, Need

REGION_NAMES = {"US": "the U.S.", "India": "India", "other": "your country"}


def missing_details(need: Need, region: Optional[str], card_type: Optional[str]) -> List[str]:
    """Slots still to ask for before `need` can be answered (empty when none).

    Only needs whose answer gives contact details depend on the region, and only the
    U.S. phone lines depend on the card type.
    """
    if not need.contact_region:
        return []
    if region is None:
        return ["region"]
    if region == "US" and "phone" in need.channels and card_type is None:
        return ["card_type"]
    return []


def ordered_channels(need: Need, preferred: Optional[str]) -> List[str]:
    """The need's channels, best first; a preferred one leads unless the need is urgent."""
    if need.urgent or preferred not in need.channels:
        return list(need.channels)
    return [preferred] + [c for c in need.channels if c != preferred]


def compose(
    kb: KnowledgeBase,
    intent: str,
    region: Optional[str] = None,
    card_type: Optional[str] = None,
    channel: Optional[str] = None,
) -> str:
    """The full answer for `intent`, or an empty string when it is not a known need."""
    need = kb.need(intent)
    if need is None:
        return ""
    parts = [("Urgent: " if need.urgent else "") + need.summary]
    channels = ordered_channels(need, channel)
    if channels:
        lines = ["How to reach American Express, best first:"]
        for name in channels:
            lines += _channel_lines(kb, name, region, card_type)
        parts.append("\n".join(lines))
    if need.escalation:
        steps = [f"{i}. {step.step}" for i, step in enumerate(kb.escalation, start=1)]
        parts.append("How to escalate:\n" + "\n".join(steps))
    for title, table, keys in (
        ("Have ready", kb.prepare, need.prepare),
        ("Self-service", kb.self_service, need.self_service),
    ):
        if keys:
            parts.append(f"{title}:\n" + "\n".join(f"- {table[k].text}" for k in keys))
    parts += [kb.safety[k].text for k in need.safety]
    return "\n\n".join(parts)


def _channel_lines(kb: KnowledgeBase, name: str, region: Optional[str], card_type: Optional[str]) -> List[str]:
    channel = kb.channels[name]
    lines = [f"- {channel.label} ({channel.when}): {channel.how}"]
    if name not in {c.channel for c in kb.contacts}:
        return lines
    if region is None:
        return lines
    contacts = kb.contacts_for(name, region, card_type)
    if not contacts and name == "phone" and region == "US":
        # Small Business and Centurion cards have dedicated lines the knowledge base does
        # not hold; the seed gives the general lines for when the card is not at hand.
        lines.append("  Your card type has a dedicated line on the back of your card. "
                     "If you don't have your card handy, the general U.S. lines are:")
        contacts = kb.contacts_for(name, region)
    if not contacts:
        lines.append(f"  I have no {channel.label.lower()} details for {REGION_NAMES[region]}. "
                     f"{kb.no_contact_fallback.text}")
    lines += [f"  {_contact_line(c)}" for c in contacts]
    return lines


def _contact_line(contact: Contact) -> str:
    hours = f" ({contact.hours})" if contact.hours else ""
    return f"* {contact.label}: {contact.value}{hours}"



def unavailable(kb: KnowledgeBase) -> str:
    """What the user gets when the answer cannot be looked up (e.g. the action server is down)."""
    lines = [f"  {_contact_line(c)}" for c in kb.contacts if c.channel == "phone"]
    return ("Sorry, I can't look up the details for that right now. Call the number on the back of "
            "your American Express card. If you don't have it handy, the general lines are:\n"
            + "\n".join(lines) + f"\n{kb.no_contact_fallback.text}")
