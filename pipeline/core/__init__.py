"""What every domain uses: the error types, bounded execs, concurrency, input checks."""
