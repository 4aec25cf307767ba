import pytest

from tests.service.harness import LIVE


@pytest.fixture(autouse=True)
def _no_leftover_services():
    yield
    while LIVE:
        LIVE.pop().kill()
