"""Check the knowledge base file: `python -m bot.knowledge [PATH]` (make train runs it first)."""

import sys
from pathlib import Path

from bot.knowledge import DEFAULT_PATH, KnowledgeBaseError, load

try:
    kb = load(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
except KnowledgeBaseError as err:
    sys.exit(f"knowledge base error: {err}")
print(f"knowledge base OK: {len(kb.needs)} needs, {len(kb.contacts)} contacts")
