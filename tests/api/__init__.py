"""Tests of the HTTP edge (the KkmServer /Execute dialect)."""
