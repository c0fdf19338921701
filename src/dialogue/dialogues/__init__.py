"""Dialogues: the dialogue record, themes, memberships, code of conduct."""
