"""Reports have no tables of their own: they aggregate the other features' tables."""
