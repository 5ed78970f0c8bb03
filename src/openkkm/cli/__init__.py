"""Command line: ``openkkm serve`` and friends."""
