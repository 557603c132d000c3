"""workflows.storage."""
