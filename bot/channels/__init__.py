"""Rasa's input channels, each guarded by the one message pipeline of `guard.py`.

One module per channel, named as in rasa/core/channels; credentials.yml names the classes
(`bot.channels.rest.GuardedRestInput`, ...). A new channel: subclass Rasa's class with `GuardedChannel`
mixed in first, in a module of its own here, and list it in credentials.yml.
"""
