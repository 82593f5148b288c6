"""The private ``_converse`` namespace and the core API groupings (no browser imports)."""
