"""The state of the services the site depends on, for load balancers and operators."""

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError

OK = "ok"
DOWN = "down"


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return DOWN
    return OK


def broker_state() -> str | None:
    """The Redis broker's state, or None where tasks run in-process and there is no broker."""
    if not settings.REDIS_URL:
        return None
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return DOWN
    finally:
        client.close()
    return OK


def checks() -> dict[str, str]:
    states = {"database": database_state()}
    broker = broker_state()
    if broker is not None:
        states["broker"] = broker
    return states
