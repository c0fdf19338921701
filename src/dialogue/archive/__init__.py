"""Bringing dialogues in and out: Pol.is imports and whole-dialogue archives."""
