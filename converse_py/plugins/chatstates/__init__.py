"""XEP-0085 chat state notifications (typing) for one-to-one chats."""
