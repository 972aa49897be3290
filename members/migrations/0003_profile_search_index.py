from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS profile_search ON members_profile USING gin (search_vector)"
DROP = "DROP INDEX IF EXISTS profile_search"


def on_postgresql(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    """The directory's full-text index: PostgreSQL only, since SQLite searches another way."""

    dependencies = [("members", "0002_profiles")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
