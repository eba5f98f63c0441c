"""Pure Kubernetes wire conventions (no Flask, no I/O), shared by the embedded API and the v2
proxy so each convention has one home."""
