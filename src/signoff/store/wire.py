"""The push document's name and size limit, shared by `signoff push` and the server's ingest.

Import-free on purpose: the push client runs in CI jobs and must not load SQLAlchemy for a name.
"""

PUSH_SCHEMA = "signoff/push/v1"
MAX_BATCH = 5000  # commit records in one push request (one transaction on the server)
