"""docs/answers.md: every sentence the assistant can say, with the seed passages it cites.

    python -m tests.support.seed_table > docs/answers.md

tests/unit/core/test_seed_trace.py checks each row; test_the_answers_table_is_current keeps the doc true.
"""

from __future__ import annotations

from typing import List

from tests.unit.core.test_seed_trace import PASSAGES, POLICY, STRINGS

HEAD = """# What the assistant says, and where the seed says it

Generated from `bot/knowledge/knowledge_base.yml`, `domain.yml` and `bot/knowledge/passages.yml` by
`python -m tests.support.seed_table > docs/answers.md`; every row is checked by
`tests/unit/core/test_seed_trace.py` (no number, hour, claim or dropped hedge the passages do not hold). The
Hindi and Hinglish of each string are in `bot/knowledge/hindi.yml` (needs' leads: `lead_hindi`), with the same
numbers, emails and addresses. Rows marked *policy* are the assistant's own rules, not the seed's.

| where | what the assistant says | seed passages |
|---|---|---|
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table() -> str:
    rows: List[str] = []
    for path in sorted(STRINGS):
        cited = "*policy*" if path in POLICY else "<br>".join(f"“{_cell(p)}”" for p in PASSAGES[path])
        rows.append(f"| `{path}` | {_cell(STRINGS[path])} | {cited} |")
    return HEAD + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
