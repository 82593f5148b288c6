"""One-to-one chats: ``api.chats`` and chat box models."""
