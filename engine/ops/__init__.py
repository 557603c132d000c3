"""engine.ops."""
