"""Audit evidence: the population of changes, metrics, policy snapshots, the evidence pack and
signed in-toto provenance attestations."""
