"""Service discovery (XEP-0030) of the user's server and account: which features they offer."""
