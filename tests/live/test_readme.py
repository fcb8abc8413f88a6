"""The README's sample conversation is what the bot says: replayed against the real servers, word for word."""

from tests.support.transcript import SAMPLE, readme_sample, transcript, user_lines


def test_the_readme_conversation_is_a_real_one(servers):
    block = readme_sample()
    assert user_lines(block) == SAMPLE
    assert transcript(servers.rasa_url, SAMPLE) == block
