"""Delivery: claiming queued notifications, sending them on each channel, dead letters."""
