"""Message Archive Management (XEP-0313) with Result Set Management (XEP-0059): ``api.archive``."""
