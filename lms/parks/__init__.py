"""Parks, their rooms, and holidays (programme-wide or per park)."""
