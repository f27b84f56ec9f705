"""Live updates (issue 17 part 5): the operator's event stream, presence on tickets, the unread counter."""
