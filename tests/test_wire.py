"""What a message may ask of the channel: its language (en | zh) and, from a known front, its
channel's name. Anything else is ignored, never trusted as a permission."""

from __future__ import annotations

from types import SimpleNamespace

from common.wire import requested_channel, requested_language


def test_language_from_the_token_claim_first_then_the_metadata():
    assert requested_language({"metadata": {"lang": "en"}}, SimpleNamespace(lang="zh")) == "zh"
    assert requested_language({"metadata": {"lang": "zh"}}, SimpleNamespace()) == "zh"
    assert requested_language({"metadata": {"lang": "fr"}}, SimpleNamespace()) is None
    assert requested_language({"metadata": "zh"}, SimpleNamespace()) is None


def test_only_a_known_front_names_its_channel():
    assert requested_channel({"metadata": {"channel": "portal"}}) == "portal"
    assert requested_channel({"metadata": {"channel": "admin"}}) is None
    assert requested_channel({}) is None
