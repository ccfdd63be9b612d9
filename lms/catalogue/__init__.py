"""Course catalogue and learning tracks."""
