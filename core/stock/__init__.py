"""Stock: quantity changes and their ledger, thresholds, the stock list, statistics."""
