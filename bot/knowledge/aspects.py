"""Answers about one aspect of a need: its number, the hours, other ways when calling is not possible, the
automated system, what to have ready, what to note down, how long it takes (the seed gives no times), or one
channel (email, letter, chat, social media).

`aspect_answer` is what a follow-up gets ("can I call it on a Sunday night?" after a number); the need's own
answer is `answers.answer`. None means the seed says nothing about that aspect for that need.
"""

from __future__ import annotations

from typing import List, Optional

from bot.knowledge.answers import (CHANNEL_INTENTS, Reply, answer, card_name, contact_lines, follow_up,
                                   have_ready)
from bot.knowledge.schema import KnowledgeBase, Need

ASPECTS = ("number", "hours", "other_ways", "automated", "prepare", "note_down", "email", "letter", "chat",
           "social_media", "case_note", "online", "timing")
# The channel intent of each channel aspect, and the safety note said with it.
CHANNEL_ASPECTS = {channel: intent for intent, channel in CHANNEL_INTENTS.items()}
CHANNEL_SAFETY = {"email": "email_subject", "letter": "keep_copy", "social_media": "social_public"}
# Where an aspect asked with no need before it is answered: the need that is about it.
ASPECT_NEEDS = {"number": "contact_phone", "hours": "contact_phone", "automated": "contact_phone",
                "other_ways": "contact_options", "prepare": "what_to_prepare", "note_down": "what_to_prepare",
                "email": "contact_email", "letter": "contact_letter", "chat": "contact_chat",
                "social_media": "contact_social_media", "case_note": "contact_options", "online": "contact_options",
                "timing": "contact_options"}
# Ways to reach Amex without a call, when the need itself has none (a lost card: "call immediately").
NO_CALL_CHANNELS = ("chat", "online", "app")


def ask_for(region: Optional[str], card_type: Optional[str]) -> Optional[str]:
    """The detail that would narrow a list of phone lines."""
    if region is None:
        return "region"
    return "card_type" if region == "US" and card_type is None else None


def phone_lines(kb: KnowledgeBase, need: Need, region: Optional[str], card_type: Optional[str]) -> List[str]:
    return contact_lines(kb, need, "phone", region, card_type)


def aspect_answer(kb: KnowledgeBase, topic: str, aspect: str, region: Optional[str],
                  card_type: Optional[str], previous: Optional[str] = None) -> Optional[Reply]:
    """`aspect` of the answer about `topic`, for the card's region and type; `previous` is the aspect answered
    just before (what to note down after a letter is a copy of it)."""
    need = kb.need(topic)
    if need is None or aspect not in ASPECTS:
        return None
    if aspect == "number":
        return _number(kb, topic, need, region, card_type)
    if aspect == "hours":
        return _hours(kb, topic, need, region, card_type)
    if aspect == "automated":
        lines = phone_lines(kb, need, region, card_type)
        return Reply([kb.aspects["automated"].text + "\n" + "\n".join(lines)], ask_for(region, card_type),
                     depends_on_details=True)
    if aspect == "note_down":
        # After a letter (the need's way, or the aspect just answered: "postal address for complaints"), the
        # proof to keep is a copy of it (and registered mail), not only notes of a call.
        letter = f"\n{kb.safety['keep_copy'].text}" if "letter" in (need.lead_contacts, previous) else ""
        return Reply([kb.aspects["note_down"].text + "\n• " + kb.prepare["pen_paper"].text + letter])
    if aspect == "prepare":
        return Reply(have_ready(kb, topic), hindi=kb.phrases["have_ready"].hindi)
    if aspect == "timing":  # "how long will it take?": the seed gives no times, only what helps to follow up
        return Reply([kb.aspects["no_timing"].text])
    if aspect == "other_ways":
        return _other_ways(kb, need, region, card_type)
    if aspect == "case_note":
        return Reply([case_note(kb, need, region, card_type)])
    if aspect == "online":
        return _online(kb, need, region, card_type)
    return _channel(kb, topic, need, aspect, region, card_type)


def _number(kb: KnowledgeBase, topic: str, need: Need, region: Optional[str],
            card_type: Optional[str]) -> Reply:
    """The need's own lead when it leads with the phone; else the phone lines for it (a payment: the automated
    payment line, whose number the seed does not give: not the general lines)."""
    if topic == "make_payment":
        return Reply([kb.aspects["payment_line"].text])
    if need.lead_contacts == "phone":
        reply = answer(kb, topic, region, card_type)
        assert reply is not None
        return Reply(reply.messages, reply.ask, reply.offers, True, reply.hindi)
    phone = kb.needs["contact_phone"]
    lines = phone_lines(kb, phone, region, card_type)
    return Reply([phone.lead + "\n" + "\n".join(lines)], ask_for(region, card_type), depends_on_details=True,
                 hindi=phone.lead_hindi)


def _hours(kb: KnowledgeBase, topic: str, need: Need, region: Optional[str],
           card_type: Optional[str]) -> Reply:
    """Hours only where the seed gives them: the U.S. lines (24/7), live chat (many 24/7, some not)."""
    if topic == "contact_chat":
        return Reply([kb.aspects["chat_hours"].text])
    if region == "other":
        return Reply([kb.aspects["no_hours_other"].text], depends_on_details=True)
    lines = phone_lines(kb, kb.needs["contact_phone"], region, card_type)
    with_hours = [line for line in lines if line.endswith(")") and "24/7" in line]
    text = (f"{kb.phrases['hours'].text}:\n" if with_hours else "") + "\n".join(lines)
    if len(with_hours) < len(lines):  # lines the seed gives no hours for: India's, a card type's own
        which = "the India lines" if region is None else "these lines"
        text += "\n" + kb.aspects["no_hours"].text.replace("these lines", which)
    return Reply([text], ask_for(region, card_type), depends_on_details=True, hindi=kb.phrases["hours"].hindi)


def _other_ways(kb: KnowledgeBase, need: Need, region: Optional[str], card_type: Optional[str]) -> Reply:
    """Ways that need no call: the need's own self-service routes and channels, or (a need with one channel:
    a lost card's phone, a channel's own need) live chat, the online account and the app. Urgent needs
    first say that calling is still the quickest way."""
    if len(need.channels) <= 1:
        channels, routes = [c for c in NO_CALL_CHANNELS if c not in need.channels], []
    else:  # the self-service routes say what the online account and the app do for this need
        routes = [f"• {kb.self_service[k].text}" for k in need.self_service]
        channels = [c for c in need.channels if c not in ("phone", *(("online", "app") if routes else ()))]
        # Live chat suits any less urgent query when typing suits better than talking (the seed's chat section):
        # someone hard of hearing, or with no phone, asking how to dispute a charge.
        channels += [] if "chat" in channels else ["chat"]
    messages = routes + [_way(kb, need, ch, region, card_type) for ch in channels]
    if need.urgent:
        messages.insert(0, kb.aspects["urgent_first"].text)
    # One bubble: channels print "\n\n" as separate messages.
    return Reply(["\n".join(messages)], depends_on_details=any(c in kb.no_contact for c in channels))


def _online(kb: KnowledgeBase, need: Need, region: Optional[str], card_type: Optional[str]) -> Reply:
    """"Can I do it online / in the app?": the need's own self-service routes, then the app (which has many of
    the online account's functions); an urgent need, or one with no route of its own, gets the other ways."""
    if need.urgent or not need.self_service:
        return _other_ways(kb, need, region, card_type)
    routes = [f"• {kb.self_service[k].text}" for k in need.self_service]
    if "app" not in need.self_service:
        routes.append(_way(kb, need, "app", region, card_type))
    return Reply(["\n".join(routes)])


def _way(kb: KnowledgeBase, need: Need, channel: str, region: Optional[str], card_type: Optional[str]) -> str:
    """One way to reach Amex, in a line: its contacts for the region if it has any, then how to use it."""
    info = kb.channels[channel]
    if channel not in kb.no_contact:
        return f"• {info.label}: {info.how}"
    lines = "\n".join("  " + line for line in contact_lines(kb, need, channel, region, card_type))
    return f"• {info.label}: {info.how}\n{lines}"


def case_note(kb: KnowledgeBase, need: Need, region: Optional[str], card_type: Optional[str]) -> str:
    """One copyable record of the answer: the need, the card, where to call or go, what to have ready, and
    blanks to fill in during the call. It is made of the frame and the knowledge base only: whatever the
    member typed (a card number included) is never in it."""
    if need.lead_contacts or "phone" in need.channels:
        channel = need.lead_contacts or "phone"
        contact = "\n".join(contact_lines(kb, need, channel, region, card_type))
    else:
        info = kb.channels[need.channels[0] if need.channels else "online"]
        contact = f"• {info.label}: {info.how}"
    card = "not given" if region is None else card_name(region, card_type)
    ready = "\n".join(f"• {kb.prepare[k].text}" for k in need.prepare or list(kb.prepare))
    return (f"{kb.phrases['case_note'].text}\nNeed: {need.title}\nCard: {card}\nContact:\n{contact}\n"
            f"{kb.phrases['have_ready'].text}:\n{ready}\n{kb.phrases['case_note_blanks'].text}")


def _channel(kb: KnowledgeBase, topic: str, need: Need, channel: str, region: Optional[str],
             card_type: Optional[str]) -> Optional[Reply]:
    """One channel for the need (urgent needs: call now), with its safety note."""
    reply = follow_up(kb, topic, CHANNEL_ASPECTS[channel], region, card_type)
    if reply is None:
        reply = answer(kb, CHANNEL_ASPECTS[channel], region, card_type)
    if reply is None:
        return None
    safety = CHANNEL_SAFETY.get(channel)
    if safety and not need.urgent and kb.safety[safety].text not in " ".join(reply.messages):
        messages = list(reply.messages)
        messages[-1] += "\n" + kb.safety[safety].text
        return Reply(messages, reply.ask, reply.offers, reply.depends_on_details, reply.hindi)
    return reply
