"""workflows.usecases."""
