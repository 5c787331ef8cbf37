"""The delivery relay inside the bot: a worker per channel, Telegram pushes, flood limits."""
