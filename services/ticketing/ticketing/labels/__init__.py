"""Labels (colour-coded tags, many per ticket) and types (one per ticket); none are shipped."""
