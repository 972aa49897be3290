from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS topic_search ON discussions_topic USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS post_search ON discussions_post USING gin (search_vector)",
]
DROP = ["DROP INDEX IF EXISTS topic_search", "DROP INDEX IF EXISTS post_search"]


def on_postgresql(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    """Discussion search's full-text indexes: PostgreSQL only, since SQLite searches another way."""

    dependencies = [("discussions", "0002_resources_follows_mentions_search")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
