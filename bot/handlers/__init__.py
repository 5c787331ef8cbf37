"""Chat handlers, one module per feature; bot.commands declares the commands among them and
bot.app lists every handler in the order they are tried."""
