"""Answer composition: the action first and short, the right lines for the card, the rest on request."""

import itertools

import pytest

from bot.knowledge.answers import LEAD_LIMIT, answer, follow_up, have_ready, narrowing, unavailable
from bot.knowledge.aspects import aspect_answer

US_PERSONAL, US_CORPORATE = "1-800-528-4800", "1-800-528-2122"
INDIA = ("1800-419-2122", "1800-419-3646")
CASES = [(None, None), ("US", None), *(("US", c) for c in ("personal", "corporate", "small_business", "centurion")),
         ("India", None), ("other", None)]


def test_every_first_message_is_short(kb):
    long = [(need, region, card, len(reply.messages[0]))
            for need, (region, card) in itertools.product(kb.needs, CASES)
            if len((reply := answer(kb, need, region, card)).messages[0]) > LEAD_LIMIT]
    assert long == []


def test_lost_card_answers_first_with_every_regions_numbers_then_asks(kb):
    reply = answer(kb, "report_lost_card")
    first = reply.messages[0]
    assert first.startswith("A lost or stolen card is urgent: call American Express now")
    assert "back of another Amex card" in first
    assert f"U.S. Personal Cards: {US_PERSONAL} (24/7)" in first
    assert f"U.S. Corporate Cards: {US_CORPORATE} (24/7 for card members)" in first
    assert f"India, common numbers: {INDIA[0]} or {INDIA[1]}" in first
    assert reply.ask == "region"


@pytest.mark.parametrize("card, present, absent", [
    ("personal", [US_PERSONAL], [US_CORPORATE]),
    ("corporate", [US_CORPORATE], [US_PERSONAL]),
    # The seed's general numbers are the Personal and Corporate cards': these often have their own line.
    ("small_business", ["often have dedicated service lines", "back of your card"], [US_PERSONAL, US_CORPORATE]),
    ("centurion", ["often have dedicated service lines", "back of your card"], [US_PERSONAL, US_CORPORATE]),
])
def test_us_lines_by_card_type(kb, card, present, absent):
    text = "\n".join(answer(kb, "report_fraud", "US", card).messages)
    assert all(n in text for n in present) and not any(n in text for n in absent + list(INDIA))
    assert answer(kb, "report_fraud", "US", card).ask is None


def test_us_without_card_type_asks_for_it(kb):
    assert answer(kb, "report_lost_card", "US").ask == "card_type"
    assert answer(kb, "escalate_complaint", "US").ask is None  # its contacts do not depend on the card


def test_lost_card_abroad_points_to_the_regional_website_not_the_lost_card(kb):
    text = "\n".join(answer(kb, "report_lost_card", "other").messages)
    assert "general lost/stolen card number on the official American Express website" in text
    assert "1-800" not in text and "1800-" not in text


def test_escalation_ladder_says_or_and_india_contacts_are_for_escalations(kb):
    reply = answer(kb, "escalate_complaint", "India")
    assert "supervisor" in reply.messages[0] and "a Manager of Customer Service or a Nodal Officer" in reply.messages[0]
    assert "• India, an escalation address you might find: Manager-Customerservicesindia@aexp.com" in reply.messages[1]
    assert "Cyber City, Tower C, DLF Bldg No 8" in reply.messages[1]
    assert "Grievance Redressal" in "\n".join(answer(kb, "escalate_complaint", "US").messages)


@pytest.mark.parametrize("region", ["US", "other"])
def test_email_and_letter_elsewhere_point_to_contact_us_not_a_phone(kb, region):
    for need in ("contact_email", "contact_letter"):
        text = "\n".join(answer(kb, need, region).messages)
        assert "Contact Us" in text and "back of your card" not in text and "@" not in text


def test_application_status_leads_with_the_website_section(kb):
    first = answer(kb, "application_status").messages[0]
    assert first.startswith("Visit the American Express website") and "Check Application Status" in first


def test_each_need_gets_only_the_seeds_channels(kb):
    assert kb.needs["make_payment"].channels == ["online", "app", "phone"]
    assert "chat" not in kb.needs["dispute_charge"].channels
    assert "app" not in kb.needs["update_account_details"].channels


def test_what_to_have_ready_holds_the_takeaways(kb):
    text = "\n".join(have_ready(kb, "report_lost_card"))
    assert "card number" in text and "pen and paper" in text
    assert "Be polite and patient" in text and "representative's name" in text


def test_other_ways_than_calling_are_the_needs_own_routes_or_chat_online_and_the_app(kb):
    handoff = aspect_answer(kb, "human_handoff", "other_ways", "India", None).messages[0]
    assert "Live chat" in handoff and "1800-419-2122" not in handoff
    lost = aspect_answer(kb, "report_lost_card", "other_ways", "India", None).messages[0]
    assert lost.startswith("For a lost card or suspicious activity, calling is often the quickest way")
    assert [line.split(":")[0] for line in lost.splitlines()[1:]] == [
        "• Live chat", "• Online account and website", "• American Express mobile app"]
    escalation = aspect_answer(kb, "escalate_complaint", "other_ways", "India", None).messages[0]
    assert "Grievance Redressal" in escalation and "Manager-Customerservicesindia@aexp.com" in escalation


def test_follow_ups_are_about_the_last_need(kb):
    assert follow_up(kb, "report_lost_card", "contact_email", None, None).messages[0].startswith("This is urgent")
    phone = follow_up(kb, "dispute_charge", "contact_phone", "India", None)
    assert "1800-419-2122" in phone.messages[0] and US_PERSONAL not in phone.messages[0]
    assert follow_up(kb, "dispute_charge", "contact_email", None, None) is None  # not a dispute channel
    assert follow_up(kb, "report_lost_card", "report_fraud", None, None) is None  # a new need


def test_narrowing_only_where_the_answer_depends_on_it(kb):
    assert narrowing(kb.needs["dispute_charge"], None, None) is None
    assert narrowing(kb.needs["contact_email"], "US", None) is None
    assert narrowing(kb.needs["human_handoff"], "US", None) == "card_type"


def test_unavailable_labels_every_line_by_region(kb):
    text = unavailable(kb)
    assert f"U.S. Personal Cards: {US_PERSONAL}" in text and f"India, common numbers: {INDIA[0]}" in text
    assert "Other countries:" in text and "general lines" not in text


def test_unknown_intent_gives_nothing(kb):
    assert answer(kb, "greet") is None
