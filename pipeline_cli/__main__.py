"""`python -m pipeline_cli` runs the CLI."""

from .app import main

main()
