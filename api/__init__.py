"""The HTTP API (SPEC 7): FastAPI over the same core as the bot, served by `stockbot run`."""
