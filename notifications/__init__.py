"""Notices to people: Apprise delivery, message templates, the outbox, digests, retries."""
