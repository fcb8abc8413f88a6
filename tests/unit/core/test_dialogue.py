"""The conversation model (bot/dialogue) as a matrix: every need x every aspect x every region/card-type
state, details up front, late and corrected, topic switches, other banks, the brand, two needs at once.

Messages are read with NLU's intent at its least helpful (`out_of_scope`, `inform` or `nlu_fallback`), so
each case shows the reading alone holding the conversation; the live tier runs the same kinds through NLU.
"""

from __future__ import annotations

import itertools
import re
from typing import List, Optional, Tuple

import pytest

from bot.dialogue.policy import Frame, Outcome, respond
from bot.dialogue.reading import ASPECT_INTENTS, Message, read
from bot.knowledge import default
from bot.knowledge.aspects import ASPECTS
from bot.nlu.gazetteer import extract

KB = default()
TITLES = {name: need.title for name, need in KB.needs.items()}
US_PERSONAL, US_CORPORATE = "1-800-528-4800", "1-800-528-2122"
INDIA = ("1800-419-2122", "1800-419-3646")
PHONES = {US_PERSONAL, US_CORPORATE, *INDIA}
STATES: List[Tuple[Optional[str], Optional[str]]] = [
    (None, None), ("US", None), ("US", "personal"), ("US", "corporate"), ("US", "small_business"),
    ("US", "centurion"), ("India", None), ("India", "corporate"), ("other", None)]
# Each aspect asked in a few ways nobody on the team tuned a threshold for.
ASKED = {
    "number": ["what's the number?", "which line do I ring?"],
    "hours": ["are they open on weekends?", "can I phone them late at night?", "what are the opening hours?"],
    "other_ways": ["I can't make a call right now, what else?", "the line is busy, any other way?"],
    "automated": ["a recorded menu answers, what do I press?", "I get a robot when I call"],
    "prepare": ["what information do I need before I contact them?", "what should I have ready?"],
    "note_down": ["should I write down anything during the call?", "do I need to keep notes?"],
    "email": ["can I email them instead?", "is there an email address?"],
    "letter": ["can I send a letter?", "what's the postal address?"],
    "chat": ["can I chat with them online?", "is there live chat?"],
    "social_media": ["can I message them on twitter?", "what about facebook?"],
    "case_note": ["can you save this as a case note?", "give me a summary of that"],
    "online": ["can I do it in the app?", "could I sort this online instead?", "is there an app"],
    "timing": ["how long will it take?", "when will I hear back?", "how many days does it usually take",
               "what's the wait time like"],
}
# Needs said in words NLU may miss: the reading finds them itself.
SAID = {
    "report_lost_card": "my wallet was stolen with the card in it",
    "report_fraud": "there's a purchase on my card I didn't make",
    "dispute_charge": "the shop charged me twice, I want a refund",
    "escalate_complaint": "my issue is still unresolved, I want to escalate",
    "human_handoff": "get me a real person",
    "make_payment": "how do I pay my bill",
    "application_status": "what happened to my application",
    "card_benefits": "do I get lounge access",
}


def _read(text: str, intent: str = "out_of_scope"):
    return read(Message(text, intent, extract(text)), TITLES)


def _say(frame: Frame, text: str, intent: str = "out_of_scope") -> Outcome:
    return respond(KB, frame, _read(text, intent))


def _text(outcome: Outcome) -> str:
    return "\n".join(s.text or s.response or "" for s in outcome.says)


def _phones(text: str) -> set:
    return {p for p in PHONES if p in text}


def _lines_allowed(region: Optional[str], card_type: Optional[str]) -> set:
    if region is None:
        return set(PHONES)
    if region == "India":
        return set(INDIA)
    if region == "other":
        return set()
    return {"personal": {US_PERSONAL}, "corporate": {US_CORPORATE}}.get(card_type or "", {US_PERSONAL, US_CORPORATE})


@pytest.mark.parametrize("need, aspect, state", list(itertools.product(KB.needs, ASPECTS, STATES)))
def test_every_need_every_aspect_every_state(need, aspect, state):
    region, card_type = state
    frame = Frame(need=need, region=region, card_type=card_type)
    for asked in ASKED[aspect]:
        reading = _read(asked)
        assert reading.aspect == aspect, asked
        outcome = respond(KB, frame, reading)
        text = _text(outcome)
        assert outcome.says and outcome.frame.need == need, asked
        assert outcome.frame.region == region and outcome.frame.card_type == card_type
        assert _phones(text) <= _lines_allowed(region, card_type), (asked, text)
        if region in ("India", "other") and aspect == "hours" and need != "contact_chat":
            assert "24/7" not in text, text  # the seed gives hours for the U.S. lines only
        _holds_the_aspect(need, aspect, region, text)


def _holds_the_aspect(need: str, aspect: str, region: Optional[str], text: str) -> None:
    urgent = KB.needs[need].urgent
    expected = {
        "number": ["back of", "1-8", "1800-"],
        "hours": ["24/7", "no opening hours", "no line or opening hours", "specific hours"],
        "other_ways": ["chat", "online account", "app", "Email:", "Letter:"],
        "automated": ["listen carefully to the prompts"],
        "prepare": ["Have ready"],
        "note_down": ["representative's name", "reference numbers"],
        "email": ["call now"] if urgent else ["subject line"],
        "letter": ["call now"] if urgent else ["keep a copy", "postal address"],
        "chat": ["call now"] if urgent else ["Chat"],
        "social_media": ["call now"] if urgent else ["never share"],
        "case_note": ["Case note: American Express customer care\nNeed: " + KB.needs[need].title],
        "online": ["online account", "mobile app", "website"],
        "timing": ["no waiting or response times"],
    }[aspect]
    assert any(e.lower() in text.lower() for e in expected), (need, aspect, text)


@pytest.mark.parametrize("need, state", list(itertools.product(SAID, STATES)))
def test_a_need_said_with_its_details_is_that_need_for_those_details(need, state):
    region, card_type = state
    words = {"US": "US", "India": "India", "other": "Germany"}
    details = ", ".join(w for w in (words.get(region or ""), (card_type or "").replace("_", " ")) if w)
    for text in (f"{SAID[need]}, {details}" if details else SAID[need], f"{details}. {SAID[need]}".strip(". ")):
        for intent in ("inform", "out_of_scope"):
            outcome = _say(Frame(), text, intent)
            assert outcome.frame.need == need, (text, intent)
            assert (outcome.frame.region, outcome.frame.card_type) == state, text
            assert _phones(_text(outcome)) <= _lines_allowed(region, card_type), text


@pytest.mark.parametrize("need, state", list(itertools.product(["report_lost_card", "report_fraud",
                                                                "contact_phone", "human_handoff"], STATES[1:])))
def test_details_given_late_or_corrected_re_answer_the_last_question(need, state):
    region, card_type = state
    frame = respond(KB, Frame(), read(Message(f"/{need}", need), TITLES)).frame
    words = {"US": "the US", "India": "India", "other": "Singapore"}
    for reply in [f"{words[region]}", f"wait, sorry, it's actually from {words[region]}"]:
        outcome = _say(frame, reply + (f", {card_type.replace('_', ' ')} card" if card_type else ""), "inform")
        text = _text(outcome)
        assert outcome.frame.need == need and (outcome.frame.region, outcome.frame.card_type) == state
        allowed = _lines_allowed(region, card_type)
        assert _phones(text) <= allowed and (allowed & _phones(text) or "back of" in text or "website" in text)


def test_a_correction_replaces_the_detail_and_keeps_the_aspect():
    frame = _say(Frame(), "number for my india amex?", "contact_phone").frame
    frame = _say(frame, "are those open at night?").frame
    assert frame.aspect == "hours"
    outcome = _say(frame, "no sorry, my card is from the US, corporate", "deny")
    text = _text(outcome)
    assert US_CORPORATE in text and "24/7 for card members" in text and not set(INDIA) & _phones(text)
    assert outcome.frame.aspect == "hours"


@pytest.mark.parametrize("first, second, expected", [
    ("report_lost_card", "how do I pay my bill", "make_payment"),
    ("dispute_charge", "do I get lounge access", "card_benefits"),
    ("make_payment", "someone made purchases on my card without my permission", "report_fraud"),
    ("contact_phone", "my application, was it approved?", "application_status"),
])
def test_a_new_need_switches_the_topic(first, second, expected):
    frame = Frame(need=first, region="US", card_type="personal", aspect="number")
    outcome = _say(frame, second, "nlu_fallback")
    assert outcome.frame.need == expected and outcome.frame.aspect is None
    assert (outcome.frame.region, outcome.frame.card_type) == ("US", "personal")  # the card stays the same


@pytest.mark.parametrize("bank", ["Citibank", "Chase", "HDFC", "ICICI", "Visa", "Mastercard", "Wells Fargo", "SBI"])
@pytest.mark.parametrize("need", ["my {} card was stolen", "what's the {} helpline?", "{} charged me twice"])
def test_another_bank_gets_no_amex_number(bank, need):
    outcome = _say(Frame(), need.format(bank), "report_lost_card")
    text = _text(outcome)
    assert "American Express" in text and not re.search(r"\d{3}", text), text


# "my visa card got stolen" ... "oh wait, it's my amex gold, I'm in the US": the need comes back for the card.
THEN_AMEX = [
    ("oh wait no sorry its my amex gold, im in the US", US_PERSONAL),
    ("actually it's an American Express card, US", None),
    ("my bad, it's the amex corporate one, in the usa", US_CORPORATE),
    ("sorry I meant my Amex, I'm in Mumbai", INDIA[0]),
    ("it's an amex", None),
]


@pytest.mark.parametrize("bank", ["Visa", "Mastercard", "Citibank", "HDFC", "Chase"])
@pytest.mark.parametrize("first, need", [("my {} card got stolen", "report_lost_card"),
                                         ("someone used my {} card without my permission", "report_fraud"),
                                         ("what's the {} customer care number?", "contact_phone")])
@pytest.mark.parametrize("then, phone", THEN_AMEX)
@pytest.mark.parametrize("intent", ["inform", "nlu_fallback", "deny"])
def test_a_need_for_another_banks_card_comes_back_when_the_card_is_an_amex(bank, first, need, then, phone, intent):
    held = _say(Frame(), first.format(bank), need)
    assert not _phones(_text(held)) and held.frame.held == need
    outcome = _say(held.frame, then, intent)
    assert outcome.frame.need == need and outcome.frame.held is None, _text(outcome)
    if phone:
        assert phone in _text(outcome), _text(outcome)


@pytest.mark.parametrize("then, intent", [("ok", "affirm"), ("thanks", "thank_you"), ("I'm in the US", "inform"),
                                          ("hmm", "nlu_fallback"), ("where do I go now", "nlu_fallback")])
def test_without_american_express_named_the_held_need_gives_no_amex_number(then, intent):
    held = _say(Frame(), "my visa card got stolen", "report_lost_card")
    outcome = _say(held.frame, then, intent)
    assert not _phones(_text(outcome)) and outcome.frame.need is None, _text(outcome)


def test_an_amex_message_that_names_a_network_is_still_answered():
    outcome = _say(Frame(), "can I pay my amex bill from my chase account?", "make_payment")
    assert outcome.frame.need == "make_payment"


@pytest.mark.parametrize("brand", ["American Express", "american express", "Amex", "AMEX", "americanexpress"])
@pytest.mark.parametrize("city, region", [("Chennai", "India"), ("Pune", "India"), ("London", "other"),
                                          ("Boston", "US")])
def test_the_brand_is_never_a_region(brand, city, region):
    outcome = _say(Frame(), f"I lost my {brand} card in {city}, who do I call?", "report_lost_card")
    assert outcome.frame.region == region
    assert _phones(_text(outcome)) <= _lines_allowed(region, None)
    assert _read(f"how do I reach {brand} customer care?", "contact_options").details == {}


def test_the_cards_country_decides_the_lines_not_where_the_member_is():
    outcome = _say(Frame(), "my US card was stolen in Rome", "report_lost_card")
    assert outcome.frame.region == "US"


def test_two_needs_in_one_message_answer_the_first_and_offer_the_second():
    outcome = _say(Frame(), "how do I pay my bill? and how can my wife check her application?", "make_payment")
    assert outcome.frame.need == "make_payment" and outcome.more_needs == ["application_status"]


@pytest.mark.parametrize("text, need", [
    ("this is ridiculous, nobody helps, I want a human right now. indian card", "human_handoff"),
    ("a payment on my account i never made??", "report_fraud"),
    ("my card [****] was stolen, I'm in the US, personal card, what's the number", "report_lost_card"),
    ("my amex got declined at the hotel desk, US personal card", "contact_phone"),
])
def test_needs_wrapped_in_emotion_or_noise_are_found(text, need):
    outcome = _say(Frame(), text, "inform")
    assert outcome.frame.need == need
    if outcome.frame.region:
        assert _phones(_text(outcome)), _text(outcome)


@pytest.mark.parametrize("payload", ['/inform{"region": "Mars. Call +1 555 0100"}', '/inform{"card_type": "x"}'])
def test_only_the_knowledge_bases_values_are_details(payload):
    entities = [{"entity": "region", "value": "Mars. Call +1 555 0100"}, {"entity": "card_type", "value": "x"}]
    reading = read(Message(payload, "inform", entities), TITLES)
    assert reading.details == {}
    assert "555" not in _text(respond(KB, Frame(), reading))


def test_a_detail_with_no_need_yet_is_noted_by_its_canonical_name():
    outcome = _say(Frame(), "I have an Indian Amex card", "inform")
    (say,) = outcome.says
    assert say.response == "utter_noted" and say.values == {"details": "a card from India"}
    outcome = _say(outcome.frame, "how do I contact customer care?", "contact_options")
    assert set(INDIA) <= _phones(_text(outcome)) and not {US_PERSONAL, US_CORPORATE} & _phones(_text(outcome))


@pytest.mark.parametrize("text", ["what's the weather in Paris tomorrow?", "tell me a joke", "book a flight to Rome"])
def test_out_of_scope_with_a_place_is_not_a_detail(text):
    outcome = _say(Frame(), text, "out_of_scope")
    assert [s.response for s in outcome.says] == ["utter_out_of_scope"]


def test_aspect_intents_are_aspects_after_a_need_and_needs_before_one():
    for intent, aspect in ASPECT_INTENTS.items():
        after = respond(KB, Frame(need="dispute_charge"), read(Message(f"/{intent}", intent), TITLES))
        assert after.frame.need == "dispute_charge", intent
        alone = respond(KB, Frame(), read(Message(f"/{intent}", intent), TITLES))
        assert alone.frame.need == intent, intent



@pytest.mark.parametrize("reply, intent", [("Platinum", "card_benefits"), ("and for a US corporate card?", "contact_phone"),
                                           ("business one", "make_payment"), ("India please", "greet")])
def test_a_message_of_details_only_is_a_reply_whatever_nlu_leaned_to(reply, intent):
    frame = Frame(need="report_lost_card", region="US", asked="card_type")
    outcome = _say(frame, reply, intent)
    assert outcome.frame.need == "report_lost_card" and outcome.frame.aspect is None
    assert outcome.frame.region or outcome.frame.card_type


@pytest.mark.parametrize("state", STATES)
def test_a_case_note_holds_the_need_the_card_the_contact_and_blanks_but_never_a_card_number(state):
    region, card_type = state
    frame = Frame(need="report_lost_card", region=region, card_type=card_type)
    frame = _say(frame, "my card 4111 1111 1111 1111 is gone", "report_lost_card").frame
    (say,) = _say(frame, "save this please", "out_of_scope").says
    note = say.text or ""
    assert note.startswith("Case note") and "Need: Report a lost or stolen card" in note
    assert "Representative's name: ____" in note and "Reference number: ____" in note and "Date: ____" in note
    assert "4111" not in note and _phones(note) <= _lines_allowed(region, card_type)


# ---------------------------------------------------------------------------------------------------------
# Kinds of messages strangers typed that the first answers missed (bench/stranger/): each kind as a matrix of
# our own phrasings, read with NLU's intent at its least helpful.
LEAST_HELPFUL = ("inform", "out_of_scope", "nlu_fallback", "general_inquiry")
PLACES = [("Kolkata", "India"), ("Hyderabad", "India"), ("Texas", "US"), ("Boston", "US"), ("Canada", "other"),
          ("Berlin", "other")]


@pytest.mark.parametrize("asked", [
    "are you a bot?", "r u a real person", "hi, am I chatting with a human or a machine?", "is this an AI?",
    "hello! are we talking to a live person here", "is this a chatbot or a real human", "are you real?",
    "kya aap bot ho?", "क्या आप इंसान हो?"])
@pytest.mark.parametrize("intent", ["human_handoff", "inform", "greet", "bot_challenge"])
def test_asking_whether_the_assistant_is_a_person_is_answered_by_what_it_is(asked, intent):
    outcome = _say(Frame(), asked, intent)
    assert [s.response for s in outcome.says] == ["utter_iamabot"], (asked, _text(outcome))
    assert outcome.frame.need is None


@pytest.mark.parametrize("text, need, aspect", [
    ("is it a robot that answers when I call them?", None, "automated"),
    ("are you a bot? my amex got stolen", "report_lost_card", None),
    ("I don't want a bot, I need a real person", "human_handoff", "number"),
])
def test_a_bot_question_about_the_line_or_with_a_need_is_not_small_talk(text, need, aspect):
    reading = _read(text, "bot_challenge")
    assert (reading.need, reading.aspect) == (need, aspect)


@pytest.mark.parametrize("care", ["customer care", "customer service", "customer support", "helpline no",
                                  "toll free number", "contact number"])
@pytest.mark.parametrize("brand", ["American Express", "amex", ""])
@pytest.mark.parametrize("place, region", PLACES)
@pytest.mark.parametrize("intent", [*LEAST_HELPFUL, "contact_social_media", "contact_chat", "contact_letter"])
def test_customer_care_asked_for_by_name_next_to_a_place_is_that_places_line(care, brand, place, region, intent):
    for text in (f"{brand} {care} {place}", f"{place} {brand} {care} pls"):
        outcome = _say(Frame(), text.strip(), intent)
        said = _text(outcome)
        assert outcome.frame.region == region, text
        assert _phones(said) <= _lines_allowed(region, None), (text, intent, said)
        assert _phones(said) or "back of" in said or "website" in said, (text, intent, said)
        assert "X (formerly Twitter)" not in said and "postal" not in said.lower(), (text, intent, said)


def test_customer_care_named_as_context_leaves_the_need_alone():
    outcome = _say(Frame(), "customer service keeps ignoring my dispute, I want to escalate this", "inform")
    assert outcome.frame.need == "escalate_complaint"
    outcome = _say(Frame(), "how do I pay my bill? customer service told me to ask here", "make_payment")
    assert outcome.frame.need == "make_payment"
    outcome = _say(Frame(), "can I email customer care?", "contact_email")
    assert outcome.frame.need == "contact_email"


@pytest.mark.parametrize("text", ["card gone!!", "my amex is gone", "amex card has disappeared", "my card vanished",
                                  "HELP card gone"])
@pytest.mark.parametrize("intent", LEAST_HELPFUL)
def test_a_short_urgent_message_is_a_lost_card(text, intent):
    assert _say(Frame(), text, intent).frame.need == "report_lost_card"
    assert _read("has the payment gone through yet?", intent).need != "report_lost_card"


NO_PHONE = ["i don't have a phone on me, it was taken as well", "no phone with me right now", "my phone is dead",
            "my phone is broken as well", "I'm hard of hearing", "phone calls are very difficult for me"]


@pytest.mark.parametrize("need", KB.needs)
@pytest.mark.parametrize("text", NO_PHONE)
def test_without_a_phone_every_need_gets_ways_that_need_no_call(need, text):
    frame = Frame(need=need, region="US", card_type="personal")
    outcome = _say(frame, text, "inform")
    said = _text(outcome).lower()
    assert outcome.frame.need == need and outcome.frame.aspect == "other_ways", (need, text)
    assert "chat" in said or "online account" in said or "log in" in said, (need, text, said)


@pytest.mark.parametrize("need", [n for n, v in KB.needs.items() if not v.urgent and v.channels != ["chat"]])
def test_other_ways_for_a_need_that_is_not_urgent_include_live_chat(need):
    outcome = _say(Frame(need=need, region="India"), "I can't talk on the phone, what else can I do?")
    assert "Live chat" in _text(outcome), need


@pytest.mark.parametrize("asked", ["what proof should I keep after I send it?", "do I need evidence I posted it?",
                                   "should I keep notes?"])
@pytest.mark.parametrize("region", ["India", "US", None])
def test_proof_after_a_letter_is_a_copy_and_registered_mail(asked, region):
    outcome = _say(Frame(need="contact_letter", region=region, aspect="letter"), asked)
    said = _text(outcome)
    assert "keep a copy" in said and "registered mail" in said, said


@pytest.mark.parametrize("text", [
    "{place}: they keep ignoring my dispute, how do I escalate it?",
    "my refund is still unresolved after weeks, {place} card, I want to escalate",
    "the agent was rude, can I speak to someone more senior? {place}",
    "put me through to your manager, {place} card",
    "I want to talk to a supervisor about my charge, {place}"])
@pytest.mark.parametrize("place, region", [("Texas", "US"), ("US", "US"), ("Mumbai", "India")])
def test_an_escalation_wins_over_the_need_it_is_about(text, place, region):
    outcome = _say(Frame(), text.format(place=place), "dispute_charge")
    said = _text(outcome)
    assert outcome.frame.need == "escalate_complaint" and outcome.frame.region == region, said
    assert "supervisor" in said
    if region == "US":
        assert "122002" not in said and "customerservicesindia" not in said.lower()


@pytest.mark.parametrize("text", ["got a new mobile number, how do I change it?", "I have a new email address",
                                  "I moved house, where do I update it", "how to update my registered mobile",
                                  "need to change the phone no on my account"])
@pytest.mark.parametrize("intent", [*LEAST_HELPFUL, "contact_phone"])
def test_new_contact_details_are_an_update_of_the_account(text, intent):
    outcome = _say(Frame(), text, intent)
    assert outcome.frame.need == "update_account_details", (text, intent)
    assert "Profile" in _text(outcome)


@pytest.mark.parametrize("text", ["the restaurant billed me two times", "there's a charge I don't recognise",
                                  "I want a refund for a double charge"])
def test_a_dispute_says_to_have_the_date_and_amount_ready(text):
    said = _text(_say(Frame(), text, "dispute_charge"))
    assert "date" in said and "amount" in said


REGION_LINES = [n for n, v in KB.needs.items() if v.region_contact]


@pytest.mark.parametrize("need", REGION_LINES)
@pytest.mark.parametrize("state", STATES)
def test_a_need_that_does_not_ask_for_the_country_gives_its_lines_once_it_is_known(need, state):
    region, card_type = state
    outcome = respond(KB, Frame(region=region, card_type=card_type), read(Message(f"/{need}", need), TITLES))
    said = _text(outcome)
    assert KB.needs[need].contact_region or "utter_ask_" not in said, said  # asked for only where it always was
    assert _phones(said) <= _lines_allowed(region, card_type), said
    if region is None:
        assert not _phones(said), said
    elif region == "other" or card_type in ("small_business", "centurion"):
        assert "back of" in said and "Contact Us" in said, said
    else:
        assert _lines_allowed(region, card_type) <= _phones(said), said


@pytest.mark.parametrize("need", REGION_LINES)
@pytest.mark.parametrize("reply, region, card_type", [("India", "India", None), ("it's a US card", "US", None),
                                                      ("US corporate", "US", "corporate"), ("Canada", "other", None)])
def test_the_country_given_after_such_a_need_says_only_its_lines(need, reply, region, card_type):
    frame = respond(KB, Frame(), read(Message(f"/{need}", need), TITLES)).frame
    outcome = _say(frame, reply, "inform")
    said = _text(outcome)
    assert outcome.frame.need == need and said.startswith("For "), said
    assert _phones(said) <= _lines_allowed(region, card_type) and KB.needs[need].lead not in said, said


@pytest.mark.parametrize("first, denied, given, expected", [
    ("US", "not the US", "India", ("India", None)), ("UK", "not UK", "I live in Texas", ("US", None)),
    ("India", "not India", "Singapore", ("other", None))])
@pytest.mark.parametrize("need", ["report_lost_card", "report_fraud", "contact_phone", "dispute_charge"])
def test_a_correction_that_denies_a_detail_keeps_the_one_it_gives(first, denied, given, expected, need):
    frame = _say(Frame(), f"/{need}", need).frame
    frame = _say(frame, first, "inform").frame
    for text in (f"correction - {denied}, {given}", f"sorry, {given}, {denied}"):
        outcome = _say(frame, text, "inform")
        assert (outcome.frame.region, outcome.frame.card_type) == expected and outcome.frame.need == need, text


@pytest.mark.parametrize("text", ["not corporate, small business sorry", "it's a business card, not the corporate one"])
def test_a_card_type_denied_is_not_taken(text):
    frame = Frame(need="contact_phone", region="US", card_type="corporate")
    assert _say(frame, text, "inform").frame.card_type == "small_business"


@pytest.mark.parametrize("intent", ["escalate_complaint", "human_handoff", "general_inquiry", "contact_options"])
def test_a_correction_with_details_is_not_the_new_need_nlu_guessed(intent):
    frame = Frame(need="report_lost_card", region="US", card_type="corporate")
    outcome = _say(frame, "hang on, it's actually my personal gold, not the corporate one", intent)
    assert outcome.frame.need == "report_lost_card" and outcome.frame.card_type == "personal"
    assert US_PERSONAL in _text(outcome) and US_CORPORATE not in _text(outcome)


@pytest.mark.parametrize("text", ["card not working", "my amex stopped working at the till", "card isn't working",
                                  "amex was rejected again"])
def test_a_card_that_does_not_work_is_a_call(text):
    outcome = _say(Frame(), text, "nlu_fallback")
    assert outcome.frame.need == "contact_phone"


@pytest.mark.parametrize("text", ["u a real person or AI??", "human or bot?", "is this a bot or a human",
                                  "you a robot?"])
def test_short_bot_questions_are_answered_by_what_it_is(text):
    assert [s.response for s in _say(Frame(), text, "human_handoff").says] == ["utter_iamabot"]


@pytest.mark.parametrize("text", ["the agent on the phone was no help, I want to escalate",
                                  "I was over the phone for an hour and they hung up, can I speak to a supervisor?"])
def test_the_phone_as_where_it_happened_is_not_a_question_for_the_number(text):
    outcome = _say(Frame(region="US"), text, "escalate_complaint")
    assert outcome.frame.need == "escalate_complaint" and outcome.frame.aspect is None
    assert _text(outcome).startswith("If your first contact")


@pytest.mark.parametrize("text", ["amex india help", "american express UK support", "Could I have the Amex contact for Ohio?"])
def test_the_brand_with_help_or_contact_is_customer_care(text):
    outcome = _say(Frame(), text, "general_inquiry")
    said = _text(outcome)
    assert outcome.frame.need == "contact_phone" and ("back of" in said or _phones(said)), said


@pytest.mark.parametrize("place", ["London", "Mexico", "Singapore"])
def test_a_lost_card_from_another_country_says_where_its_number_is(place):
    frame = _say(Frame(), "card stolen!!", "report_lost_card").frame
    said = _text(_say(frame, f"in {place}", "inform"))
    assert "Contact Us" in said and not _phones(said), said


@pytest.mark.parametrize("text", ["my card number is [****] can you check it", "[****] pls check", "here: [****]"])
@pytest.mark.parametrize("intent", ["nlu_fallback", "inform", "out_of_scope"])
def test_a_pasted_card_number_is_not_met_with_i_did_not_understand(text, intent):
    outcome = _say(Frame(need="contact_phone", region="India"), text, intent)
    assert outcome.frame.need == "contact_phone" and set(INDIA) <= _phones(_text(outcome)), _text(outcome)
    responses = [s.response for s in _say(Frame(), text, intent).says]
    assert not {"utter_default", "utter_suggest"} & set(responses), responses


@pytest.mark.parametrize("reply", ["India", "it's an Indian card"])
def test_an_escalation_narrowed_to_a_country_keeps_where_to_write(reply):
    frame = _say(Frame(), "I want to escalate my complaint", "escalate_complaint").frame
    said = _text(_say(frame, reply, "inform"))
    assert "122002" in said and "Manager-Customerservicesindia@aexp.com" in said and set(INDIA) <= _phones(said)


@pytest.mark.parametrize("need", ["dispute_charge", "make_payment", "update_account_details", "check_balance"])
@pytest.mark.parametrize("asked", ["can i do it on the app?", "could I sort that online?"])
def test_doing_it_in_the_app_is_about_the_need_before_not_app_trouble(need, asked):
    outcome = _say(Frame(need=need, region="US"), asked, "technical_support")
    assert outcome.frame.need == need and outcome.frame.aspect == "online"
    assert all(f"• {KB.self_service[k].text}" in _text(outcome) for k in KB.needs[need].self_service)


@pytest.mark.parametrize("text", ["i need help", "Help!", "can u help me pls", "hi, I need some help please",
                                  "what can you do?", "madad chahiye"])
@pytest.mark.parametrize("intent", ["nlu_fallback", "what_to_prepare", "help"])
def test_a_bare_request_for_help_says_what_the_assistant_does(text, intent):
    assert [s.response for s in _say(Frame(), text, intent).says] == ["utter_help"]
    assert _read("help, my card was stolen", intent).need == "report_lost_card"


@pytest.mark.parametrize("text", ["how long till they answer", "how long will it take", "how soon will i hear back",
                                  "when will they get back to me?", "kitne din lagenge?"])
@pytest.mark.parametrize("intent", ["greet", "goodbye", "thank_you", "nlu_fallback"])
@pytest.mark.parametrize("need", [None, "dispute_charge", "report_lost_card"])
def test_a_question_of_time_is_answered_not_greeted_or_said_goodbye_to(text, intent, need):
    # NLU has no such examples: "how long till they answer" was greet (0.96), "how long will it take" goodbye.
    outcome = _say(Frame(need=need, region="US"), text, intent)
    assert "no waiting or response times" in _text(outcome), (text, _text(outcome))
    assert outcome.frame.need == (need or "contact_options")


@pytest.mark.parametrize("text", ["can i ring them at 3am", "is anyone there at 11 pm?", "can I call at 6:30am",
                                  "at 2 a.m. can I still phone them"])
def test_a_clock_time_with_a_way_of_reaching_them_asks_the_hours(text):
    outcome = _say(Frame(need="contact_phone", region="US", card_type="personal"), text, "inform")
    assert outcome.frame.aspect == "hours" and "24/7" in _text(outcome), _text(outcome)


@pytest.mark.parametrize("text", ["how long are they open on sundays?", "I was charged twice at 3pm", "when can I call"])
def test_hours_and_charges_are_not_questions_of_time(text):
    assert _read(text).aspect != "timing", text


@pytest.mark.parametrize("need", [n for n in SAID if n not in ("report_lost_card", "report_fraud", "human_handoff")])
@pytest.mark.parametrize("guess", ["report_lost_card", "report_fraud"])
def test_nlus_urgent_guess_gives_way_to_a_need_named_in_words(need, guess):
    # "I would like to know my card's remaining credit limit" was a lost card (NLU, 0.69): no word of it is urgent.
    outcome = _say(Frame(), SAID[need], guess)
    assert outcome.frame.need == need, _text(outcome)


@pytest.mark.parametrize("text", ["I would like to know my card's remaining credit limit.", "what's my credit limit",
                                  "how much can I spend on my amex", "available credit on my card?"])
@pytest.mark.parametrize("guess", ["report_lost_card", "report_fraud", "nlu_fallback"])
def test_a_credit_limit_is_the_balance(text, guess):
    assert _say(Frame(), text, guess).frame.need == "check_balance"


@pytest.mark.parametrize("text", ["my card was stolen, what's my credit limit now?",
                                  "someone used my card without my permission, how much credit is left"])
def test_an_urgent_need_named_in_words_still_comes_first(text):
    assert _say(Frame(), text, "check_balance").frame.need in ("report_lost_card", "report_fraud")


@pytest.mark.parametrize("text", ["whats the email for complaints", "where do I lodge a complaint?",
                                  "is there a complaints department email"])
@pytest.mark.parametrize("frame", [Frame(), Frame(need="report_lost_card", region="US"),
                                   Frame(need="dispute_charge", region="India")])
def test_a_complaint_named_as_such_is_an_escalation(text, frame):
    outcome = _say(frame, text, "contact_email")
    assert outcome.frame.need == "escalate_complaint" and "don't wait for email" not in _text(outcome), _text(outcome)


@pytest.mark.parametrize("first", ["postal address for complaints, amex india", "can I write a letter about my dispute?",
                                   "what's the postal address?"])
def test_what_to_keep_after_a_letter_is_a_copy_of_it(first):
    frame = _say(Frame(region="India"), first, "contact_letter").frame
    outcome = _say(frame, "what proof should I keep after posting it?", "what_to_prepare")
    assert outcome.frame.aspect == "note_down" and "keep a copy" in _text(outcome).lower(), _text(outcome)


@pytest.mark.parametrize("text", ["my card got declined", "card declined at the store", "please cancel my card",
                                  "I want to close my account", "close my amex account"])
@pytest.mark.parametrize("guess", ["report_lost_card", "report_fraud", "nlu_fallback", "inform"])
def test_a_declined_or_closing_card_is_no_lost_card(text, guess):
    outcome = _say(Frame(), text, guess)
    assert outcome.frame.need == "contact_phone" and "lost or stolen" not in _text(outcome).lower(), _text(outcome)


@pytest.mark.parametrize("text", ["cancel my card, it was stolen", "my card got declined and I think it's fraud"])
def test_an_urgent_word_still_wins_over_declined_or_cancel(text):
    assert _say(Frame(), text, "contact_phone").frame.need in ("report_lost_card", "report_fraud")


@pytest.mark.parametrize("text", ["whats the best way to reach amex if i cant call, im deaf",
                                  "how can I contact them without calling?", "I can't make a call, how else can I reach them"])
@pytest.mark.parametrize("frame", [Frame(), Frame(region="India")])
def test_no_call_asked_in_words_gets_the_ways_without_a_call(text, frame):
    outcome = _say(frame, text, "contact_options")
    assert outcome.frame.aspect == "other_ways" and not _phones(_text(outcome)), _text(outcome)
    assert "Live chat" in _text(outcome)
