"""Avatars: XEP-0084 (PEP) and XEP-0153 (vCard) avatars, cached by hash; XEP-0392 colours for defaults."""
