"""Desktop notifications and unread counts (issue 24)."""
