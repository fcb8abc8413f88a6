"""Whole conversations over HTTP against the real action server and Rasa server."""

from typing import List

import requests

from tests.support.servers import Settings


def say(servers: Settings, sender: str, text: str) -> str:
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def buttons(servers: Settings, sender: str, text: str) -> List[str]:
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=30)
    return [b["payload"] for m in reply.json() for b in m.get("buttons", [])]


def test_lost_card_in_india(servers):
    text = say(servers, "live-india", "I lost my card in India")
    assert "Urgent" in text
    assert "1800-419-2122" in text and "1800-419-3646" in text
    assert "Have ready:" in text and "card number" in text
    assert "1-800-528" not in text


def test_asks_region_then_card_type_then_answers_and_follows_up(servers):
    user = "live-us"
    assert buttons(servers, user, "someone stole my amex") == [
        '/inform{"region": "US"}', '/inform{"region": "India"}', '/inform{"region": "other"}']
    assert "What kind of card" in say(servers, user, '/inform{"region": "US"}')
    text = say(servers, user, "it's a gold card")
    assert "1-800-528-4800 (24/7)" in text and "1-800-528-2122" not in text
    text = say(servers, user, "what about corporate cards?")
    assert "1-800-528-2122 (24/7 for card members)" in text and "1-800-528-4800" not in text


def test_escalation_in_india_gives_email_and_postal_address(servers):
    text = say(servers, "live-escalate", "nobody has fixed my problem, I want to escalate. I'm in Mumbai")
    assert "Manager-Customerservicesindia@aexp.com" in text
    assert ("Manager, Executive Correspondence Unit, American Express Banking Corp, Cyber City, Tower C, "
            "DLF Bldg No 8, Sector 25, DLF City Ph II, Gurgaon – 122002, Haryana") in text
    assert text.index("supervisor") < text.index("Nodal Officer")


def test_dispute_answers_without_asking_and_honours_chat(servers):
    text = say(servers, "live-dispute", "there's a charge on my statement I don't recognise, I'd prefer live chat")
    assert "Which country" not in text
    assert text.index("Live chat") < text.index("Phone")
    assert "find the transaction on your statement" in text


def test_urgent_need_leads_with_phone_even_when_email_preferred(servers):
    text = say(servers, "live-fraud", "someone used my card in Delhi without permission, can I email you?")
    assert text.index("- Phone") < text.index("1800-419-2122")
    assert "- Email" not in text


def test_out_of_scope_and_help(servers):
    assert "I can only help with reaching American Express" in say(servers, "live-oos", "what's the weather tomorrow?")
    assert "I can tell you the best way to reach" in say(servers, "live-help", "what can you help me with?")


def test_human_handoff_lists_ways_to_reach_a_person(servers):
    text = say(servers, "live-human", "let me talk to a human, I'm in the US with a corporate card")
    assert "1-800-528-2122" in text and "Live chat" in text


def test_conversation_is_stored_in_sqlite(servers):
    import sqlite3

    say(servers, "live-store", "I lost my card in India")
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("select type_name from events where sender_id = 'live-store'").fetchall()
    assert ("user",) in rows and ("bot",) in rows
