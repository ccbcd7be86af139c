"""Provenance: was a change AI-assisted, by which tool and model, and who accepted it."""
