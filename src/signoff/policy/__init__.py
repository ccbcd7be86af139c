"""The ownership registry: `signoff.yaml`, loaded with precise errors, matched, and judged.

Public entry points (what other commands call):

- `load_policy(repo, rev=None)`: the policy in the work tree or committed at a revision;
- `policy_in_force(repo, rev)`: the same, or None when no signoff.yaml exists there;
- `check_policy(policy, ai_paths=...)`: every finding, and DO NOT SHIP when one blocks;
- `owners_for(policy, paths)`, `accountable_for(policy, paths)`: who owns what, and the chain;
- `ai_touched_paths(repo)`: the provenance hook the coverage rule uses;
- `draft_from_codeowners(text, source_name)`: a draft registry from a CODEOWNERS file;
- `json_schema()`: the JSON Schema of `signoff.yaml`.
"""

from __future__ import annotations

from signoff.layout import EXCEPTIONS_DIR, POLICY_FILE
from signoff.policy.codeowners import draft_from_codeowners
from signoff.policy.coverage import CoverageUnavailable, ai_touched_paths
from signoff.policy.findings import RULES, Finding, PolicyError
from signoff.policy.load import load_policy, load_policy_file, load_policy_text, policy_in_force
from signoff.policy.registry import Policy
from signoff.policy.resolve import Accountability, PathOwner, accountable_for, owners_for
from signoff.policy.rules import CheckReport, check_policy
from signoff.policy.schema import json_schema, json_schema_text

__all__ = [
    "EXCEPTIONS_DIR",
    "POLICY_FILE",
    "RULES",
    "Accountability",
    "CheckReport",
    "CoverageUnavailable",
    "Finding",
    "PathOwner",
    "Policy",
    "PolicyError",
    "accountable_for",
    "ai_touched_paths",
    "check_policy",
    "draft_from_codeowners",
    "json_schema",
    "json_schema_text",
    "load_policy",
    "load_policy_file",
    "load_policy_text",
    "owners_for",
    "policy_in_force",
]
