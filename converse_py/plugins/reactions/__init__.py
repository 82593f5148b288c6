"""XEP-0444 message reactions: an emoji picker on each message, aggregated counts, toggling one's own."""
