"""Per-device workers, the durable SQLite journal, idempotency by IdCommand, crash recovery.

The HTTP layer talks only to ``service.JobService``: ``select`` a device, ``submit`` an
``operations.Operation`` with its IdCommand and body hash, ``result`` for GetRezult. Promises:
a command with a given IdCommand runs at most once unless its failure is proven (nothing
reached the fiscal drive); a fiscal step is journaled ``sent`` on disk before the device hears
of it; a lost answer, a time-out or a crash is settled by reading the fiscal drive, never by
sending the step again; each device is driven by exactly one worker task.
"""
