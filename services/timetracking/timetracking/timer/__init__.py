"""The auto-timer (seed 10.8): one running timer per operator, its rules and its sweep."""
