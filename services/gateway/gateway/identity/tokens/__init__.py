"""Personal API tokens: shown once, stored hashed, expiring, revocable, listed with their last use."""
