"""Command-line tools for people who run the escalations desk."""
