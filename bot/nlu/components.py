"""The Rasa NLU components of this project (config.yml: bot.nlu.components...): the gazetteer's entities, and
Devanagari tokens read in Latin letters."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.gazetteer import Gazetteer
from bot.nlu.transliterate import has_devanagari, to_latin


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds `region`, `card_type` and `channel` entities from the gazetteer (bot/nlu/gazetteer.py)."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "GazetteerEntityExtractor":
        return cls()

    def __init__(self) -> None:
        self._gazetteer = Gazetteer()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [
                {**entity, "confidence_entity": 1.0, "extractor": self.__class__.__name__}
                for entity in self._gazetteer.extract(message.get(TEXT) or "")
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DevanagariTransliterator(GraphComponent):
    """After the tokenizer: a Devanagari token is featurized in Latin letters, as Hinglish writers spell it
    ("कार्ड" -> "kard"), so Hindi and Hinglish examples teach each other (bot/nlu/transliterate.py). The
    message's text, its token offsets and the entities are unchanged."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DevanagariTransliterator":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                if has_devanagari(token.text):
                    token.text = token.lemma = to_latin(token.text)
        return messages
