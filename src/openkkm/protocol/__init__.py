"""Per-vendor protocol sessions: command codes, status flags, error tables, exchanges."""
