"""XEP-0077: in-band registration and password change (``api.account``)."""
