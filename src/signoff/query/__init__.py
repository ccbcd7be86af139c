"""Answers: explain, blame, stats, diff and the change set of a range, built on the index, the
provenance detectors and policy."""
