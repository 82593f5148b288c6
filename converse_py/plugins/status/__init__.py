"""The user's own availability and status message: ``api.user.status``."""
