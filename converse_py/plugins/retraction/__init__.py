"""XEP-0424 message retraction."""
