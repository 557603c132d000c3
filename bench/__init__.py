"""The benchmark (`make bench`, `python -m bench`): transitions, timer burst, inbox at scale.

Run from the repository root; every part runs in the same process run so the ratios between
the engine and the hand-written SQL baseline are comparable. See docs/benchmark.md.
"""
