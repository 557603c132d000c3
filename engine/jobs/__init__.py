"""engine.jobs."""
