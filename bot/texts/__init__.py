"""Everything the bot says to its users, one module per feature: Telegram HTML, except the
reasons of refusals and button answers, which are plain text. A command's own lines (menu,
usage, example, /help section) are declared with it in bot.commands."""
