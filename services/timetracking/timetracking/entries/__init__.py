"""Time entries on a work item: booking, reading, deleting, and closing a timer's entry."""
