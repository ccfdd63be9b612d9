"""Accounts: users and roles, login, API tokens, set-password links, CSV import."""
