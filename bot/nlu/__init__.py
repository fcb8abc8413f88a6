"""Entities: the gazetteer (regions, card types, channels) as a spaCy entity ruler, and the Rasa component.

`gazetteer.py` and `gazetteer.yml` need no Rasa; `components.py` is the Rasa NLU component around them.
"""
