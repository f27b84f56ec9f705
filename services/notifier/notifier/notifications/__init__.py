"""E-mail notifications per department (seed 10.10, Notifications; 10.17's e-mail channel)."""
