"""Answers: explain, blame and stats, built on the index, the provenance detectors and policy."""
