""""Was this helpful?" in every channel against the real servers, and the report read from the live
server's own SQLite store: the votes, what was missing, and no full card number."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from typing import Any, Dict


from tests.live.test_live import turn
from tests.live.test_slack import answers as slack_answers
from tests.live.test_slack import click, dm_event, post_event, text_of
from tests.live.test_telegram import _update_ids, message_update, post
from tests.live.test_telegram import answers as telegram_answers
from tests.support.servers import ROOT, Settings
from tests.support.waiting import until

VOTES = ['/affirm{"helpful": "yes"}', '/deny{"helpful": "no"}']
# Asked once per need, at its natural end: after "thanks" (or "bye"), in the same bubble as the reply to it.
HELPFUL = {"text": "You're welcome! Was this helpful?", "buttons": [{"title": "Yes", "payload": VOTES[0]},
                                                                     {"title": "No", "payload": VOTES[1]}]}


def report(servers: Settings) -> Dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--tracker-db", str(servers.tracker_db), "--json",
                           "--out", str(servers.state_dir / "report")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_rest_asks_once_a_no_asks_what_was_missing_and_the_report_counts_it(servers):
    sender = f"fb-{uuid.uuid4().hex[:8]}"
    first = turn(servers, sender, "I lost my card in India")
    assert "1800-419-2122" in first[0]["text"] and len(first) == 2 and "helpful" not in json.dumps(first)
    assert "Was this helpful?" not in json.dumps(turn(servers, sender, "what should I have ready?"))
    assert turn(servers, sender, "thanks") == [{"recipient_id": sender, **HELPFUL}]
    assert turn(servers, sender, VOTES[1])[0]["text"].startswith("Sorry it didn't help.")
    noted = turn(servers, sender, "too much text, and the page said 3782 822463 10005")
    assert "passed that on" in noted[-1]["text"]
    # A second click on the old buttons is thanked, and asks nothing.
    assert [m["text"] for m in turn(servers, sender, VOTES[1])] == [
        "Thank you for letting us know. Anything else I can help with?"]
    # Not asked twice: the conversation goes on as usual.
    assert "1800-419-2122" in turn(servers, sender, "I lost my card")[0]["text"]

    figures = report(servers)
    lost = next(r for r in figures["helpful"]["by_need"] if r["need"] == "report_lost_card")
    assert lost["no"] >= 1
    items = {(i["text"], i["kind"]) for g in figures["review_inbox"]["groups"] for i in g["items"]}
    assert ("I lost my card in India", "voted_no") in items
    assert ("too much text, and the page said [****]", "missing") in items
    page = (servers.state_dir / "report" / "index.html").read_text()
    assert "3782 822463 10005" not in page and "378282246310005" not in page
    assert "3782 822463 10005" not in json.dumps(figures)


def test_telegram_asks_with_an_inline_keyboard_and_a_tap_votes(servers, telegram_api):
    assert post(servers, telegram_api, message_update(601, "I lost my card in India")).status_code == 200
    assert telegram_answers(telegram_api, 601)  # answered before the thanks
    assert post(servers, telegram_api, message_update(601, "thank you")).status_code == 200
    until(lambda: telegram_answers(telegram_api, 601)[-1].params.get("text") == HELPFUL["text"], 30, "the question")
    question = telegram_answers(telegram_api, 601)[-1]
    assert question.params["text"] == HELPFUL["text"]
    keyboard = json.loads(question.params["reply_markup"])["inline_keyboard"]
    assert [b["callback_data"] for row in keyboard for b in row] == VOTES
    seen = len(telegram_api.calls_to("sendMessage"))
    tap = {"update_id": next(_update_ids), "callback_query": {
        "id": "cb-601", "from": {"id": 601, "is_bot": False, "first_name": "Test"}, "chat_instance": "1",
        "data": VOTES[0], "message": {"message_id": 1, "date": int(time.time()), "text": HELPFUL["text"],
                                      "chat": {"id": 601, "type": "private"}}}}
    assert post(servers, telegram_api, tap).status_code == 200
    after = [c for c in telegram_answers(telegram_api, 601) if c in telegram_api.calls_to("sendMessage")[seen:]]
    assert "Thank you for letting us know" in "\n".join(c.params["text"] for c in after)


def test_slack_asks_with_buttons_and_a_click_votes(servers, slack_api):
    assert post_event(servers, slack_api, dm_event("U601", "D601", "I lost my card in India")).status_code == 200
    assert "1800-419-2122" in text_of(slack_answers(slack_api, "D601"))  # answered before the thanks
    assert post_event(servers, slack_api, dm_event("U601", "D601", "thanks a lot")).status_code == 200
    until(lambda: slack_answers(slack_api, "D601")[-1].params.get("text") == HELPFUL["text"], 30, "the question")
    question = slack_answers(slack_api, "D601")[-1]
    actions = [b for b in question.params["blocks"] if b["type"] == "actions"][0]
    assert [e["value"] for e in actions["elements"]] == VOTES
    after = click(servers, slack_api, "U601", "D601", question, VOTES[1])
    assert "what was missing" in text_of(after)
