"""Recording provenance at commit time: agent detection, the git hooks, `init`, notes sync.

Kept import-free: the commit hooks import submodules of this package and must start fast.
"""
