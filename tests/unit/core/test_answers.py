"""Answer composition: the right channel first, the right lines, asked-for details only when needed."""

from bot.knowledge.answers import compose, missing_details, ordered_channels


def test_lost_card_india_is_urgent_with_both_lines(kb):
    text = compose(kb, "report_lost_card", region="India")
    assert text.startswith("Urgent:")
    assert "1800-419-2122" in text and "1800-419-3646" in text
    assert "Have ready:" in text and "card number" in text
    assert "1-800-528-4800" not in text


def test_us_personal_and_corporate_lines(kb):
    personal = compose(kb, "contact_phone", region="US", card_type="personal")
    corporate = compose(kb, "contact_phone", region="US", card_type="corporate")
    assert "1-800-528-4800 (24/7)" in personal and "1-800-528-2122" not in personal
    assert "1-800-528-2122 (24/7 for card members)" in corporate and "1-800-528-4800" not in corporate


def test_centurion_gets_back_of_card_first_then_general_lines(kb):
    text = compose(kb, "contact_phone", region="US", card_type="centurion")
    assert text.index("dedicated line on the back of your card") < text.index("1-800-528-4800")


def test_other_country_gets_no_invented_number(kb):
    text = compose(kb, "report_lost_card", region="other")
    assert "I have no phone details for your country" in text
    assert "Contact Us" in text
    assert "1-800" not in text and "1800-" not in text


def test_urgent_need_ignores_channel_preference(kb):
    need = kb.need("report_fraud")
    assert ordered_channels(need, "email")[0] == "phone"


def test_channel_preference_leads_when_not_urgent(kb):
    text = compose(kb, "dispute_charge", channel="chat")
    assert text.index("- Live chat") < text.index("- Online account") < text.index("- Phone")


def test_escalation_ladder_with_india_addresses(kb):
    text = compose(kb, "escalate_complaint", region="India")
    assert text.index("supervisor") < text.index("Nodal Officer")
    assert "Manager-Customerservicesindia@aexp.com" in text
    assert "Cyber City, Tower C, DLF Bldg No 8" in text


def test_region_asked_only_when_the_answer_depends_on_it(kb):
    assert missing_details(kb.need("report_lost_card"), None, None) == ["region"]
    assert missing_details(kb.need("report_lost_card"), "US", None) == ["card_type"]
    assert missing_details(kb.need("report_lost_card"), "India", None) == []
    assert missing_details(kb.need("dispute_charge"), None, None) == []
    assert missing_details(kb.need("contact_email"), "US", None) == []


def test_social_media_safety_note(kb):
    assert "never share your full card number" in compose(kb, "contact_social_media")


def test_unknown_intent_gives_nothing(kb):
    assert compose(kb, "greet") == ""
