"""The operator directory: who a ticket can be assigned to, filtered by, or made a department member."""
