"""Hours per operator, per customer and the matrix of both over a date range (the statistics page)."""
