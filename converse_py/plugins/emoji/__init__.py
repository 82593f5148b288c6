"""Emoji: the picker's data, ``:shortcode:`` conversion, emoji-only detection (``api.emojis``)."""
