"""Insights for the team that runs the assistant, read from the tracker store it already has (docs/insights.md).

    python -m bot.insights [--tracker-db URL] [--since DATE] [--json] [--export-nlu FILE]

`source` streams the events, `figures` counts them one conversation at a time, `inbox` keeps the messages
worth a person's review, `page` writes the HTML report. Nothing here writes to the store or trains anything.
"""
