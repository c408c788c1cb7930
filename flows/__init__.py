"""Prefect flows: launch, sweep and simulate. Thin adapters over the service layer; the work itself is in plain
functions so one-shot commands can run it without a Prefect server (PREFECT-NOTES.md)."""
