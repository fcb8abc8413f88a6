"""The README's sample conversations are what the bot says: replayed against the real servers, word for word."""

import pytest

from tests.support.transcript import SAMPLES, readme_sample, transcript, user_lines


@pytest.mark.parametrize("heading", list(SAMPLES))
def test_the_readme_conversation_is_a_real_one(servers, heading):
    block = readme_sample(heading)
    assert user_lines(block) == SAMPLES[heading]
    assert transcript(servers.rasa_url, SAMPLES[heading]) == block
