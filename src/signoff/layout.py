"""Where Signoff's reviewed records live in a repository.

Import-free on purpose: the hot `explain` path needs the policy file's name without loading the
policy package (pydantic and the YAML loader).
"""

POLICY_FILE = "signoff.yaml"
EXCEPTIONS_DIR = ".signoff/exceptions"
