"""Database adapters: ORM models, migrations, engine set-up and the embedded server."""
