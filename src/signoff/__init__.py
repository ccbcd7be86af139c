"""Signoff: provenance and ownership for AI-assisted code.

Kept import-light on purpose: the commit hooks import from this package and must start fast.
"""

__version__ = "0.1.0"
