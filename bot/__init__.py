"""Stockbot's Telegram front end and command line."""
