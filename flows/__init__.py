"""Prefect flows: launch, sweep, deliver, roll-up, close, simulate. Thin adapters over the service layer; the work
itself is in plain functions so one-shot commands can run it without a Prefect server (PREFECT-NOTES.md)."""
