import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_is_ok_with_the_database_and_no_broker_configured(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_health_reports_the_real_broker_when_redis_is_configured(
    client: Client, settings, redis_url: str
) -> None:
    settings.REDIS_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_health_is_unavailable_when_the_configured_broker_is_down(client: Client, settings) -> None:
    # Port 9 (discard) has nothing listening on these machines.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "down"},
    }
    assert response.headers["Cache-Control"].startswith("max-age=0")
