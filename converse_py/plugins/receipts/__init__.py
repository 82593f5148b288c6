"""XEP-0184 message delivery receipts for one-to-one chats."""
