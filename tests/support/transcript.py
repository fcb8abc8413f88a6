"""The README's sample conversation, written from a real run and checked against one.

    python -m tests.support.transcript http://127.0.0.1:5005            # prints the block for README.md
    python -m tests.support.transcript http://127.0.0.1:5005 hinglish   # the Hinglish one

tests/live/test_readme.py replays the README's "you:" lines against the real servers and compares.
"""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from typing import List

import requests

README = Path(__file__).resolve().parents[2] / "README.md"
SAMPLE = ["I lost my American Express card in Chennai", "are those lines open at night?",
          "wait, sorry, the card is from the US, a persnal one", "I can't talk right now, anything else I can do?",
          "what should I note down when I call?"]
SAMPLE_HINGLISH = ["mera card kho gaya, India me hoon", "kya kya ready rakhna hai?", "email se bata sakte ho?"]
# README heading -> the user's lines of the conversation under it
SAMPLES = {"## A conversation": SAMPLE, "## A conversation in Hinglish": SAMPLE_HINGLISH}
INDENT = "     "


def transcript(rasa_url: str, user_lines: List[str]) -> str:
    """A new conversation over the REST webhook, as "you:" / "bot:" lines (buttons in brackets)."""
    sender = f"readme-{uuid.uuid4().hex[:8]}"
    lines = []
    for text in user_lines:
        lines.append(f"you: {text}")
        reply = requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=30)
        reply.raise_for_status()
        for message in reply.json():
            body = message.get("text", "").replace("\n", "\n" + INDENT)
            buttons = " ".join(f"[{b['title']}]" for b in message.get("buttons", []))
            lines.append(f"bot: {body}" + (f"\n{INDENT}{buttons}" if buttons else ""))
    return "\n".join(lines)


def readme_sample(heading: str = "## A conversation") -> str:
    """The conversation block under `heading` in README.md."""
    section = README.read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    return re.search(r"```\n(.*?)\n```", section, re.S).group(1)  # type: ignore[union-attr]


def user_lines(block: str) -> List[str]:
    return [line[len("you: "):] for line in block.splitlines() if line.startswith("you: ")]


if __name__ == "__main__":
    hinglish = sys.argv[2:] == ["hinglish"]
    print(transcript(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005",
                     SAMPLE_HINGLISH if hinglish else SAMPLE))
