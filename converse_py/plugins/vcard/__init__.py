"""vCards (XEP-0054 vcard-temp): names, avatars and URLs of contacts."""
