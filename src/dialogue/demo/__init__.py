"""The sample dialogue and the first administrator."""
