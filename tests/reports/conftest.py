import pytest


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    """Every test reads the figures of its own data: no cached report from an earlier test."""
    settings.REPORTS_CACHE_SECONDS = 0
