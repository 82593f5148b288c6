"""XEP-0461 message replies with the XEP-0428 fallback."""
