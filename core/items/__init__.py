"""Items: what makes one low, and finding and reading one; other modules ask here."""
