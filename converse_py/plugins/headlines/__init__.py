"""Headline messages (type="headline"): announcements in their own boxes."""
