"""Per-device workers, the durable SQLite journal, idempotency by IdCommand, crash recovery."""
