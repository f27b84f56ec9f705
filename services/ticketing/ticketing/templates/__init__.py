"""Templates: saved responses (Email or Ticket) that the Template Picker inserts into a composer."""
