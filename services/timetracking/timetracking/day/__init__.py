"""The day calendar (seed 10.8, /tickets/time-tracking): every entry of a local day."""
