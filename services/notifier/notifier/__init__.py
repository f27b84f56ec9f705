"""The notifier service (schema `notifier`)."""
