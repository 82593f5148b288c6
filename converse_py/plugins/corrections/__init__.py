"""XEP-0308 last message correction for one-to-one chats."""
