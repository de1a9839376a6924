"""The top of the project: what spans the apps (docs/architecture.md#layers)."""
