"""Password sign-in, sessions with CSRF protection, and the throttle that slows and locks out guessing."""
