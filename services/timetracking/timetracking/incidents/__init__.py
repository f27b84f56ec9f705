"""Time on ITSM's incidents: their entries (the entries' own rules, entries/) and the incident report."""
