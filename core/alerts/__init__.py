"""Alerts: the lifecycle, the daily check, reminder digests, what each event queues."""
