"""The conversation: a frame (need, card details, last aspect), a reading of each message, the reply.

    reading.py   what one message names: need, aspect, details, correction (+ cues.yml)
    policy.py    the reply as a function of (frame, reading): docs/dialogue.md has the table

No Rasa here (domain core): actions/actions.py adapts the tracker to it.
"""
