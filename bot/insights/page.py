"""report.json as one self-contained HTML page: inline CSS and SVG charts, no script, nothing fetched.

Every text from the store is escaped; the texts were masked before (bot/privacy/redaction.py).
"""

from __future__ import annotations

from html import escape
from typing import Any, Dict, List, Optional, Sequence, Tuple

BAR, GAP, WIDTH = 22, 6, 640
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;margin:0;background:#f4f6f8}
header{background:#00175a;color:#fff;padding:18px 28px}h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{max-width:1100px;margin:0 auto;padding:20px 28px}
section{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:16px 20px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px;color:#00175a}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{flex:1 1 150px;border:1px solid #dde3ea;border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:24px;color:#006fcf}.card span{font-size:13px;color:#4b5563}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e9ef}
th{color:#4b5563;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#1f2933}.kind{font-size:12px;color:#4b5563}
"""


def render(report: Dict[str, Any], title: str = "Amex care assistant: insights") -> str:
    """The whole page."""
    period = report["period"]
    parts = [
        f"<header><h1>{escape(title)}</h1><p>{period['first_message'] or '-'} to {period['last_message'] or '-'}"
        f" (UTC); definitions: docs/insights.md</p></header><main>",
        _cards(report),
        _section("User messages by day", _bars([(d["day"], d["user_messages"]) for d in report["by_day"]])),
        _section("By channel", _bars([(c["channel"], c["user_messages"]) for c in report["by_channel"]])
                 + _table(["channel", "conversations", "user messages"],
                          [(c["channel"], c["conversations"], c["user_messages"]) for c in report["by_channel"]])),
        _section("Top needs (messages)", _bars([(n["need"], n["messages"]) for n in report["top_needs"]])),
        _section("Was it helpful? (share of Yes, per need)", _helpful(report["helpful"])),
        _section("Review inbox (masked; export with --export-nlu FILE to label)", _inbox(report["review_inbox"])),
        "</main>",
    ]
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def _cards(report: Dict[str, Any]) -> str:
    rates, turns = report["rates"], report["turns_to_first_answer"]
    cards = [("conversations", report["conversations"]), ("user messages", report["user_messages"]),
             ("fallback rate", _pct(rates["fallback"])), ("out-of-scope rate", _pct(rates["out_of_scope"])),
             ("hand-off rate", _pct(rates["handoff"])), ("containment", _pct(rates["containment"])),
             ("helpful (Yes share)", _pct(report["helpful"]["rate"])),
             ("turns to first answer: median / p95", f"{_num(turns['median'])} / {_num(turns['p95'])}")]
    body = "".join(f"<div class=\"card\"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>" for k, v in cards)
    return _section("The period at a glance", f"<div class=\"cards\">{body}</div>")


def _bars(rows: Sequence[Tuple[str, float]], percent: bool = False) -> str:
    """A horizontal bar chart as inline SVG, with its figures as text (and a title for screen readers)."""
    if not rows:
        return "<p>Nothing in this period.</p>"
    top = max(v for _, v in rows) or 1
    label_w, bar_w = 190, WIDTH - 190 - 70
    height = len(rows) * (BAR + GAP)
    out = [f"<svg role=\"img\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">"
           f"<title>{escape(', '.join(f'{k}: {_fmt(v, percent)}' for k, v in rows))}</title>"]
    for i, (label, value) in enumerate(rows):
        y, w = i * (BAR + GAP), max(1.0, bar_w * value / top)
        out.append(f"<text x=\"{label_w - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{escape(str(label))}</text>"
                   f"<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1f}\" height=\"{BAR}\" rx=\"3\" fill=\"#006fcf\"/>"
                   f"<text x=\"{label_w + w + 6:.1f}\" y=\"{y + 15}\">{_fmt(value, percent)}</text>")
    return "".join(out) + "</svg>"


def _helpful(helpful: Dict[str, Any]) -> str:
    rows = helpful["by_need"]
    if not rows:
        return "<p>No votes in this period.</p>"
    chart = _bars([(r["need"], r["rate"] or 0.0) for r in rows], percent=True)
    return chart + _table(["need", "yes", "no", "share of Yes"],
                          [(r["need"], r["yes"], r["no"], _pct(r["rate"])) for r in rows])


def _inbox(inbox: Dict[str, Any]) -> str:
    if not inbox["groups"]:
        return "<p>Nothing to review.</p>"
    out = [f"<p>{inbox['total']} messages: " + ", ".join(f"{k} {v}" for k, v in inbox["by_kind"].items()) + "</p>"]
    for group in inbox["groups"]:
        rows = [(i["text"], i["kind"], _num(i["confidence"]), i["times"]) for i in group["items"]]
        out.append(f"<h3>{escape(group['intent'])} ({group['count']})</h3>"
                   + _table(["message", "why", "confidence", "times"], rows))
    return "".join(out)


def _table(head: List[str], rows: Sequence[Sequence[Any]]) -> str:
    numeric = [isinstance(v, (int, float)) for v in rows[0]] if rows else [False] * len(head)
    cells = "".join(f"<th scope=\"col\" class=\"{'n' if n else ''}\">{escape(h)}</th>" for h, n in zip(head, numeric))
    body = "".join("<tr>" + "".join(
        f"<td class=\"n\">{escape(str(v))}</td>" if isinstance(v, (int, float)) else f"<td>{escape(str(v))}</td>"
        for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _fmt(value: float, percent: bool) -> str:
    return _pct(value) if percent else f"{value:,}"


def _pct(rate: Optional[float]) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _num(value: Optional[float]) -> str:
    return "-" if value is None else str(value)
