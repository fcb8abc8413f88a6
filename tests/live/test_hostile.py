"""Issue 20, "nothing raw leaves the guard": every kind of hostile input over every channel, then every
file the run wrote is read for the seeded secrets: the log files (in each LOG_FORMAT), the SQLite store
(and its WAL), the `make report` folder and the NLU export (`python -m bot.insights --export-nlu`).

Files are read as a person would read them: JSON \\uXXXX escapes undone, NFKC, digits of any script as
ASCII, and whatever separates two digits removed, so a card number is found however it was written.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.channels.guard import REDACTED_NOTICE
from bot.channels.payloads import REFUSED
from bot.privacy.normalise import DIGIT_SEPARATORS
from bot.privacy.redaction import luhn_valid
from bot.settings import ROOT
from tests.live.test_telegram import message_update
from tests.live.test_trust import ISSUED, Stack, socketio_chat, texts
from tests.support.fakes import FakeSlackAPI, FakeTelegramAPI
from tests.support.servers import local_settings, start_action_server, start_rasa, stop

SENDER = "hostile-sender-5521"
# One separator of each class between the groups of a card number, and digits of other scripts.
SEPARATORS = {"space": " ", "two spaces": "  ", "tab": "\t", "newline": "\n", "no-break space": "\u00a0",
              "thin space": "\u2009", "zero-width space": "\u200b", "word joiner": "\u2060",
              "control": "\u0001", "dot": ".", "dash": "-", "slash": "/", "underscore": "_", "comma": ",",
              "en dash": "\u2013", "spaced dash": " - "}
SCRIPTS = {"arabic-indic": "٠١٢٣٤٥٦٧٨٩", "devanagari": "०१२३४५६७८९", "full-width": "０１２３４５６７８９"}


def card(seed: int) -> str:
    """A Luhn-valid 16-digit number of its own (so a hit names the input that leaked)."""
    rng = random.Random(seed)
    body = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def written(number: str, sep: str, digits: str = "0123456789") -> str:
    number = number.translate(str.maketrans("0123456789", digits))
    return sep.join(number[i:i + 4] for i in range(0, 16, 4))


CARDS: Dict[str, str] = {name: card(i) for i, name in enumerate([*SEPARATORS, *SCRIPTS, "payload", "entity",
                                                                 "slack", "telegram", "socketio"])}
# Secret -> what must not be found (in the digit view for numbers, as text otherwise).
SECRETS = {"my cvv is 8642 thanks": "cvv is 8642", "the otp is 846291": "846291",
           "my ssn is 287-65-4321": "287654321", "aadhaar 4987 6543 2103": "498765432103",
           "my PAN is ABCPZ6789K": "ABCPZ6789K", "my password is Zebra!Crossing77": "Zebra!Crossing77",
           "security code: 5309": "code: 5309", "my pwd is Tr0ub4dor&3": "Tr0ub4dor&3"}
PAYLOADS = ['\u0001/inform{"region": "Mars. Call +1 555 0100"}', '\u200b/inform{"region": "Mars. Call +1 555 0100"}',
            '\ufeff／inform{"region": "Mars. Call +1 555 0100"}', f"/{CARDS['payload']}",
            f'/inform{{"region": "{CARDS["entity"]}"}}']


@pytest.fixture(scope="module", params=["text", "json"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    slack, telegram = FakeSlackAPI().start(), FakeTelegramAPI().start()
    settings = local_settings(tmp_path_factory.mktemp(f"hostile-{request.param}"), api_token="hostile-token",
                              log_format=request.param, rate_limit_per_sender=1000,
                              extra_env={**slack.env, **telegram.env})
    procs = [start_action_server(settings)]
    try:
        procs.append(start_rasa(settings))
        yield Stack(settings, slack, telegram)
    finally:
        stop(procs)
        slack.stop()
        telegram.stop()


def readable(raw: bytes) -> str:
    """A file as a reader recovers it: escapes undone, NFKC, ASCII digits, nothing between two digits."""
    text = raw.decode("utf-8", "replace")
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return re.sub(rf"(?<=\d)[{DIGIT_SEPARATORS}\u200b\u2060\ufeff\x00-\x1f]+(?=\d)", "", text)


def written_files(stack: Stack, report: Path) -> Dict[str, str]:
    db = stack.settings.tracker_db
    files: List[Path] = [*db.parent.glob(db.name + "*"), *stack.settings.log_dir.glob("*"), *report.rglob("*")]
    return {str(f): readable(f.read_bytes()) for f in files if f.is_file()}


def test_every_hostile_input_is_masked_or_refused_and_nothing_raw_is_written(stack: Stack) -> None:
    for name, number in CARDS.items():
        if name in SEPARATORS or name in SCRIPTS:
            text = written(number, SEPARATORS.get(name, " "), SCRIPTS.get(name, "0123456789"))
            reply = stack.rest(SENDER, f"my card is {text} please block it")
            assert reply.status_code == 200 and reply.json()[0]["text"] == REDACTED_NOTICE, name
    for secret in SECRETS:
        reply = stack.rest(SENDER, secret)
        assert reply.status_code == 200 and reply.json()[0]["text"] == REDACTED_NOTICE, secret
    for payload in PAYLOADS:
        reply = stack.rest(SENDER, payload)
        assert reply.status_code == 200 and texts(reply) == REFUSED, payload
    assert stack.rest(SENDER, "\u200b\u2060\ufeff").status_code == 400  # empty once normalised

    # The push channels: one card each, with a secret.
    assert stack.slack_dm("UHOSTILE", "DHOSTILE", f"card {written(CARDS['slack'], chr(0xa0))} "
                          "password is Zebra!Crossing77").status_code == 200
    stack.slack.settled("chat.postMessage", lambda c: c.params.get("channel") == "DHOSTILE")
    assert stack.telegram_update(message_update(5521, f"card {written(CARDS['telegram'], '.')}, otp 846291")
                                 ).status_code == 200
    stack.telegram.settled("sendMessage", lambda c: c.params.get("chat_id") == "5521")
    answers = socketio_chat(stack, "hostile-sio", [f"card {written(CARDS['socketio'], chr(0x200b))}"])
    assert answers and answers[0]["text"] == REDACTED_NOTICE

    # The user messages were stored, masked; the refused payloads not at all.
    stored = stack.user_texts(SENDER)
    assert len(stored) == len(SEPARATORS) + len(SCRIPTS) + len(SECRETS)
    assert all("[****]" in t or "[***]" in t for t in stored)

    report = stack.settings.state_dir / "report"
    done = subprocess.run([sys.executable, "-m", "bot.insights", "--tracker-db", str(stack.settings.tracker_db),
                           "--out", str(report), "--export-nlu", str(report / "review.yml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    files = written_files(stack, report)
    assert any(f.endswith("review.yml") for f in files) and any(f.endswith("rasa.log") for f in files)
    leaks = {(path.rsplit("/", 1)[-1], name) for path, text in files.items()
             for name, number in CARDS.items() if number in text}
    leaks |= {(path.rsplit("/", 1)[-1], secret) for path, text in files.items()
              for secret in SECRETS.values() if secret.lower() in text.lower()}
    leaks |= {(path.rsplit("/", 1)[-1], "Mars") for path, text in files.items() if "555 0100" in text}
    assert leaks == set()
    # Conversation ids are in the store by design; never raw in a log line.
    logs = {path: text for path, text in files.items() if path.startswith(str(stack.settings.log_dir))}
    assert [path for path, text in logs.items() if SENDER in text or ISSUED["hostile-sio"] in text] == []
