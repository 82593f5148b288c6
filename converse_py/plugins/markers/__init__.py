"""XEP-0333 chat markers (displayed) for one-to-one chats."""
