"""Developer tools (not shipped): the mutation-testing job of `make mutation`."""
