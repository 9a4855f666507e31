"""Go itself: the builder, module download, source checks, tests, lint, builds, the running app."""
