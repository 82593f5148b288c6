"""Roster and presence (RFC 6121): ``api.contacts``."""
