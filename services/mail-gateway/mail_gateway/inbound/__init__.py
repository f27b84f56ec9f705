"""Inbound mail: raw messages stored as fetched or imported, and the administrators' view of the ones
the parser could not read."""
