from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from tests.site.sitemap import ROLES, Demo, Role, build_demo, client_for


@pytest.fixture(scope="package", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    # Hashing strength is not what these suites test, and they sign in many people.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """One demo network for a whole module, rolled back when the module ends.

    Each test still runs in its own savepoint inside this transaction, so nothing one test
    does reaches the next.
    """
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield build_demo()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def clients(demo: Demo) -> dict[Role, Client]:
    """One client per role, signed in once for the whole module."""
    return {role: client_for(role, demo) for role in ROLES}
