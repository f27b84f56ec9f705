"""The mail gateway's copies of ticketing's records: departments (a mailbox belongs to a department
ticketing knows) and the module settings (the switch that gates the API; the blocked extensions the
parser strips)."""
