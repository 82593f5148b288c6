"""Multi-user chat (XEP-0045): the ``api.rooms`` grouping."""
