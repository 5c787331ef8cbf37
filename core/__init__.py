"""Stockbot's core: stock, alerts and the notification outbox, free of any chat front end."""
