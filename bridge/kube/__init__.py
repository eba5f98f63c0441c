"""Pure Kubernetes wire conventions, no Flask and no I/O: what every server of the project
(the bridge and the embedded API) must spell the same way, each in exactly one place."""
