"""Tests of the jobs layer: journal, workers, idempotency, recovery."""
