"""Findings in what is built: Trivy scans, govulncheck reachability, VEX, one SARIF log."""
