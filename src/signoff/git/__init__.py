"""The only code that runs git. Everything above this package asks these functions."""

from signoff.git.repo import GitError, Repo

__all__ = ["GitError", "Repo"]
