"""Review evidence: who reviewed and approved a change, from git and (later) the forge."""
