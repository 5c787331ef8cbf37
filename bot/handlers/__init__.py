"""Chat handlers, one module per feature; bot.app lists them in order."""
