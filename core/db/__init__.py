"""The database: unit of work, schema, dialect helpers, reused statements, migrations."""
