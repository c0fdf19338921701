"""Replies by e-mail: reading a received message, trimming it to what is new, posting it."""
