import pytest

from discussions.models import Space
from members.models import User
from tests.discussions.support import a_space
from tests.factories import MemberFactory


@pytest.fixture
def space() -> Space:
    """A space every member may read."""
    return a_space("Board readiness")


@pytest.fixture
def mei() -> User:
    mei: User = MemberFactory(name="Mei Chen")
    return mei
