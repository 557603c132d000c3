"""workflows.domain."""
