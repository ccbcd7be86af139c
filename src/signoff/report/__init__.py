"""Machine-readable reports of a gate run (SARIF for code scanning)."""
