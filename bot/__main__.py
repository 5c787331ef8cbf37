"""`python -m bot` is the `stockbot` command."""

from bot.cli import main

raise SystemExit(main())
