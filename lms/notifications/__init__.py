"""E-mail: the outbox, its worker, scheduled jobs, preferences and the password-reset flow."""
