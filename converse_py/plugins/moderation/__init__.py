"""Room moderation: XEP-0045 roles and affiliations, slash commands, XEP-0425 message moderation."""
