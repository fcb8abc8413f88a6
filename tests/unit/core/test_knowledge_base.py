"""The knowledge base loader: the bundled file is complete, broken files are refused clearly."""

from pathlib import Path

import pytest
import yaml

from bot.knowledge import DEFAULT_PATH, KnowledgeBaseError, load

PRODUCT_NEEDS = {
    "report_lost_card", "report_fraud", "dispute_charge", "application_status", "escalate_complaint",
    "check_balance", "make_payment", "update_account_details", "card_benefits", "technical_support",
    "contact_phone", "contact_chat", "contact_email", "contact_letter", "contact_social_media",
    "contact_options", "what_to_prepare", "general_inquiry", "human_handoff",
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "kb.yml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


def test_every_service_intent_has_a_need(kb):
    assert set(kb.needs) == PRODUCT_NEEDS


def test_phone_lines_by_region_and_card_type(kb):
    assert [c.value for c in kb.contacts_for("phone", "US", "personal")] == ["1-800-528-4800"]
    assert [c.value for c in kb.contacts_for("phone", "US", "corporate")] == ["1-800-528-2122"]
    assert [c.value for c in kb.contacts_for("phone", "India", "corporate")] == ["1800-419-2122", "1800-419-3646"]
    assert kb.contacts_for("phone", "US", "personal")[0].hours == "24/7"
    assert kb.contacts_for("phone", "other") == []


def test_india_escalation_addresses(kb):
    assert [c.value for c in kb.contacts_for("email", "India")] == ["Manager-Customerservicesindia@aexp.com"]
    (letter,) = kb.contacts_for("letter", "India")
    assert letter.value.startswith("Manager, Executive Correspondence Unit, American Express Banking Corp")
    assert "Gurgaon – 122002, Haryana" in letter.value


def test_every_fact_names_a_seed_section(kb, seed_text):
    # `policy` is the one source that is not the seed: the assistant's own rule about card numbers in chat.
    titles = {k: v.split(" - ")[-1].split(":")[0] for k, v in kb.sources.items() if k != "policy"}
    assert {k: t for k, t in titles.items() if t not in seed_text} == {}
    assert {c.source for c in kb.contacts} <= set(kb.sources)
    assert [k for k, fact in kb.safety.items() if fact.source == "policy"] == ["card_number_chat"]


# A phone number, an email address, a time of day or week, or a postal code with its place.
FACT_PATTERNS = [r"\b\d[\d-]{6,}\d\b", r"[\w.+-]+@[\w-]+\.[\w.]+", r"\b24/7(?: for card members)?", r"\b\d{6}\b"]


def _all_text(value) -> list:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _all_text(v)]
    if isinstance(value, list):
        return [t for v in value for t in _all_text(v)]
    return [value] if isinstance(value, str) else []


def test_every_number_email_address_and_hours_is_in_the_seed(kb, seed_text):
    import re

    texts = _all_text(_raw())
    found = {m for text in texts for pattern in FACT_PATTERNS for m in re.findall(pattern, text)}
    assert found, "the pattern found nothing: the check would pass vacuously"
    assert {"1-800-528-4800", "1800-419-3646", "Manager-Customerservicesindia@aexp.com", "122002"} <= found
    assert sorted(f for f in found if f.strip() not in seed_text) == []
    for contact in kb.contacts:
        assert contact.value in seed_text
        assert contact.hours is None or f"available {contact.hours})" in seed_text


def test_unreadable_yaml_is_refused(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        load(_write(tmp_path, "needs: [unclosed"))


def test_missing_section_names_it(tmp_path):
    raw = _raw()
    del raw["contacts"]
    with pytest.raises(KnowledgeBaseError, match="contacts: field required"):
        load(_write(tmp_path, raw))


def test_bad_contact_region_names_the_entry(tmp_path):
    raw = _raw()
    raw["contacts"][2]["region"] = "Narnia"
    with pytest.raises(KnowledgeBaseError, match=r"contacts -> 2 -> region: 'Narnia' is not one of"):
        load(_write(tmp_path, raw))


def test_dangling_reference_names_the_need(tmp_path):
    raw = _raw()
    raw["needs"]["report_fraud"]["prepare"].append("passport")
    with pytest.raises(KnowledgeBaseError, match="needs -> report_fraud -> prepare: unknown entry 'passport'"):
        load(_write(tmp_path, raw))


def test_unknown_source_is_refused(tmp_path):
    raw = _raw()
    raw["safety"]["email_subject"]["source"] = "blog"
    with pytest.raises(KnowledgeBaseError, match="safety -> email_subject: unknown source 'blog'"):
        load(_write(tmp_path, raw))


def test_command_line_check_exits_with_the_message(tmp_path):
    import subprocess
    import sys

    raw = _raw()
    raw["needs"]["report_lost_card"].pop("lead")
    result = subprocess.run([sys.executable, "-m", "bot.knowledge", str(_write(tmp_path, raw))],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "needs -> report_lost_card -> lead: field required" in result.stderr
    assert "Traceback" not in result.stderr
