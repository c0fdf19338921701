"""Accounts: users, sessions and API tokens, invitations, passwords."""
