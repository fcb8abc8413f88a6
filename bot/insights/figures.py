"""The report's figures, counted from the event stream one conversation at a time (docs/insights.md).

A conversation is one session of one sender (Rasa starts a new session after an hour of silence), counted
when it has a user message in the period. Only the conversation being read is held in memory; the totals
are counters keyed by day, channel and intent, and the turns to a first answer a histogram, so memory does
not grow with the number of conversations.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, Optional, Set

from bot.insights.inbox import Inbox
from bot.insights.source import Row
from bot.privacy.redaction import redact

HANDOFF = frozenset({"human_handoff", "escalate_complaint"})
FALLBACK, OUT_OF_SCOPE = "nlu_fallback", "out_of_scope"


@dataclass
class Message:
    """What the report reads of one user event."""

    text: str
    intent: str
    confidence: float
    channel: str
    day: str
    vote: Optional[str]
    alternative: Optional[str]  # the likeliest intent other than nlu_fallback


def read_message(row: Row) -> Message:
    """A user event's fields; its text masked again, in case it was stored before masking existed."""
    data: Dict[str, Any] = json.loads(row.data)
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [r.get("name") for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    vote = next((e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "helpful"), None)
    return Message(text=redact(str(data.get("text") or ""))[0], intent=intent.get("name") or FALLBACK,
                   confidence=float(intent.get("confidence") or 0.0),
                   channel=data.get("input_channel") or "unknown",
                   day=datetime.fromtimestamp(row.timestamp, timezone.utc).date().isoformat(),
                   vote=vote if vote in ("yes", "no") else None, alternative=ranking[0] if ranking else None)


@dataclass
class Conversation:
    """The state of the conversation being read."""

    messages: int = 0
    first_answer: Optional[int] = None  # the number of user messages up to the first answer
    handoff: bool = False
    needs: Set[str] = field(default_factory=set)
    feedback_on: Optional[str] = None
    voted: Set[str] = field(default_factory=set)
    asked: Dict[str, str] = field(default_factory=dict)  # need -> the last message that asked for it
    awaiting_missing: bool = False


class Figures:
    """Feed it the rows of `source.stream` in order; `report()` gives the figures."""

    def __init__(self, needs: Iterable[str], inbox: Inbox) -> None:
        self.needs, self.inbox = frozenset(needs), inbox
        self.conversations = self.answered = self.handoffs = self.contained = 0
        self.messages = self.votes = self.fallbacks = self.out_of_scope = 0
        self.by_day: Dict[str, Counter] = {}
        self.by_channel: Dict[str, Counter] = {}
        self.need_messages: Counter = Counter()
        self.need_conversations: Counter = Counter()
        self.helpful: Dict[str, Counter] = {}
        self.turns: Counter = Counter()
        self.sender: Optional[str] = None
        self.current = Conversation()
        self.first: Optional[float] = None
        self.last: Optional[float] = None

    def feed(self, row: Row) -> None:
        if row.sender_id != self.sender:
            self._close()
            self.current, self.sender = Conversation(), row.sender_id
        elif row.type_name == "session_started":  # the slots carry over to the new session, as in Rasa
            self._close()
            self.current = Conversation(feedback_on=self.current.feedback_on)
        if row.type_name == "user":
            self._user(row)
        elif row.type_name == "slot":
            value = json.loads(row.data)
            if value.get("name") == "feedback_on":
                self.current.feedback_on = value.get("value")

    def _user(self, row: Row) -> None:
        message, c = read_message(row), self.current
        self.first = row.timestamp if self.first is None else min(self.first, row.timestamp)
        self.last = row.timestamp if self.last is None else max(self.last, row.timestamp)
        if c.messages == 0:
            self.conversations += 1
            self.by_day.setdefault(message.day, Counter())["conversations"] += 1
            self.by_channel.setdefault(message.channel, Counter())["conversations"] += 1
        c.messages += 1
        self.messages += 1
        self.by_day.setdefault(message.day, Counter())["user_messages"] += 1
        self.by_channel.setdefault(message.channel, Counter())["user_messages"] += 1
        if message.vote:
            self._vote(message.vote)
            return
        missing, c.awaiting_missing = c.awaiting_missing, False  # the reply to "what was missing?"
        self._review(message, missing)
        self._classify(message)

    def _review(self, message: Message, missing: bool) -> None:
        """Into the inbox, once, for the first reason that applies."""
        fallback = message.intent == FALLBACK
        kind = "missing" if missing else "fallback" if fallback else (
            "low_confidence" if message.confidence < self.inbox.low_confidence else None)
        if kind:
            self.inbox.add(message.alternative if fallback else message.intent, message.text, kind,
                           message.confidence)

    def _classify(self, message: Message) -> None:
        c = self.current
        self.fallbacks += message.intent == FALLBACK
        self.out_of_scope += message.intent == OUT_OF_SCOPE
        if message.intent in self.needs:
            self.need_messages[message.intent] += 1
            c.needs.add(message.intent)
            c.asked[message.intent] = message.text
            if message.intent in HANDOFF:
                c.handoff = True
            elif c.first_answer is None:
                c.first_answer = c.messages

    def _vote(self, vote: str) -> None:
        c = self.current
        self.votes += 1
        need = c.feedback_on
        if need is None or need in c.voted:  # a vote for no question, or a second one: counted once
            return
        c.voted.add(need)
        self.helpful.setdefault(need, Counter())[vote] += 1
        if vote == "no":
            c.awaiting_missing = True
            if need in c.asked:
                self.inbox.add(need, c.asked[need], "voted_no", None)

    def _close(self) -> None:
        c = self.current
        if c.messages:
            self.need_conversations.update(c.needs)
            self.handoffs += c.handoff
            if c.first_answer is not None:
                self.answered += 1
                self.turns[c.first_answer] += 1
                self.contained += not c.handoff

    def report(self) -> Dict[str, Any]:
        """The figures, as report.json holds them."""
        self._close()
        self.current = Conversation()
        asked = self.messages - self.votes
        return {
            "period": {"first_message": _iso(self.first), "last_message": _iso(self.last)},
            "conversations": self.conversations, "user_messages": self.messages, "votes": self.votes,
            "by_day": [{"day": d, **_pair(c)} for d, c in sorted(self.by_day.items())],
            "by_channel": [{"channel": ch, **_pair(c)} for ch, c in
                           sorted(self.by_channel.items(), key=lambda i: (-i[1]["user_messages"], i[0]))],
            "top_needs": [{"need": n, "messages": m, "conversations": self.need_conversations[n]}
                          for n, m in sorted(self.need_messages.items(), key=lambda i: (-i[1], i[0]))],
            "counts": {"fallback_messages": self.fallbacks, "out_of_scope_messages": self.out_of_scope,
                       "handoff_conversations": self.handoffs, "answered_conversations": self.answered,
                       "contained_conversations": self.contained},
            "rates": {"fallback": _rate(self.fallbacks, asked), "out_of_scope": _rate(self.out_of_scope, asked),
                      "handoff": _rate(self.handoffs, self.conversations),
                      "containment": _rate(self.contained, self.conversations)},
            "helpful": _helpful(self.helpful),
            "turns_to_first_answer": {"conversations": self.answered, "median": percentile(self.turns, 0.5),
                                      "p95": percentile(self.turns, 0.95)},
            "review_inbox": self.inbox.report(),
        }


def percentile(histogram: Counter, fraction: float) -> Optional[int]:
    """The nearest-rank percentile of a histogram {value: count}: the smallest value with at least
    `fraction` of the counts at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = math.ceil(fraction * total), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def _helpful(votes: Dict[str, Counter]) -> Dict[str, Any]:
    rows = [{"need": n, "yes": c["yes"], "no": c["no"], "rate": _rate(c["yes"], c["yes"] + c["no"])}
            for n, c in sorted(votes.items())]
    yes, no = sum(r["yes"] for r in rows), sum(r["no"] for r in rows)
    return {"yes": yes, "no": no, "rate": _rate(yes, yes + no), "by_need": rows}


def _pair(counter: Counter) -> Dict[str, int]:
    return {"conversations": counter["conversations"], "user_messages": counter["user_messages"]}


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def _iso(stamp: Optional[float]) -> Optional[str]:
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds") if stamp else None
