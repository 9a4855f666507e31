"""`ci`: every check at once, then the release steps; one table."""
