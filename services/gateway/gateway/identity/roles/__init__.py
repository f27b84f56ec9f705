"""Roles: named sets of flags, so an administrator does not tick fifteen boxes for every hire."""
