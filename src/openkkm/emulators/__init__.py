"""The DEVICE side of each protocol over a simulated fiscal drive; shipped product code."""
