"""A department's Time Tracking section (seed 10.10)."""
