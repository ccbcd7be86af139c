"""Security scanners over the files of a change, findings kept on the lines that matter.

`scan_files` runs bandit and detect-secrets (and semgrep with local rules, when installed);
`find_suppressions` finds the comments that silence them in added lines.
"""

from signoff.scan.model import (
    SEVERITIES,
    FileProblem,
    ScanFinding,
    ScannerStatus,
    ScanResult,
)
from signoff.scan.runner import DEFAULT_SCANNERS, KNOWN_SCANNERS, scan_files
from signoff.scan.suppressions import Suppression, find_suppressions

__all__ = [
    "DEFAULT_SCANNERS",
    "KNOWN_SCANNERS",
    "SEVERITIES",
    "FileProblem",
    "ScanFinding",
    "ScanResult",
    "ScannerStatus",
    "Suppression",
    "find_suppressions",
    "scan_files",
]
