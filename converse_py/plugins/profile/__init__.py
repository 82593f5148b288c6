"""The user's own profile: vCard fields and the XEP-0172 nickname (``api.profile``)."""
