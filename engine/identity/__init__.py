"""engine.identity."""
