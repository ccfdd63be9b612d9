"""Signed credentials: every certificate also as an Open Badges 3.0 credential (VC-JWT)."""
