from importlib import import_module

from django.db import migrations

# The same runner as the indexes: statements run on PostgreSQL only.
on_postgresql = import_module("discussions.migrations.0003_search_indexes").on_postgresql

# The database keeps each search vector current as rows are written, whatever writes them (the
# services, the admin, a bulk insert), so no code path can forget to.
CREATE = [
    """
    CREATE TRIGGER topic_search_vector
    BEFORE INSERT OR UPDATE OF title ON discussions_topic
    FOR EACH ROW EXECUTE FUNCTION
    tsvector_update_trigger(search_vector, 'pg_catalog.english', title)
    """,
    """
    CREATE TRIGGER post_search_vector
    BEFORE INSERT OR UPDATE OF body ON discussions_post
    FOR EACH ROW EXECUTE FUNCTION
    tsvector_update_trigger(search_vector, 'pg_catalog.english', body)
    """,
    "UPDATE discussions_topic SET search_vector = to_tsvector('pg_catalog.english', title)",
    "UPDATE discussions_post SET search_vector = to_tsvector('pg_catalog.english', body)",
]
DROP = [
    "DROP TRIGGER IF EXISTS topic_search_vector ON discussions_topic",
    "DROP TRIGGER IF EXISTS post_search_vector ON discussions_post",
]


class Migration(migrations.Migration):
    """Triggers that keep discussion search current from topic titles and post bodies, and the
    vectors of rows written before them: PostgreSQL only, since SQLite searches another way."""

    dependencies = [("discussions", "0003_search_indexes")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
