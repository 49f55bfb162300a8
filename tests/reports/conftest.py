import pytest

from reports import rollups

QUERY_COUNTING = {"django_assert_num_queries", "django_assert_max_num_queries"}


@pytest.fixture(autouse=True)
def _fresh_figures(settings):
    """Every test reads the figures of its own data: no cached report from an earlier test."""
    settings.REPORTS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True, params=["live", "rollups"])
def figures_source(request, monkeypatch):
    """Run every reports test twice: figures read live (the rollups are never built in the test database), and
    figures read from freshly refreshed per-day rollups, so each crafted data set also checks the rollups give
    the same numbers. Query counts and browser tests are checked in live mode (test_rollups.py counts the
    rollup path's queries)."""
    if request.param == "live":
        return "live"
    if getattr(request.module, "MANAGES_ROLLUPS", False):
        pytest.skip("this module builds and refreshes the rollups itself")
    if QUERY_COUNTING & set(request.fixturenames) or request.node.get_closest_marker("browser"):
        pytest.skip("checked in live mode")
    original = rollups.snapshot

    def refreshed() -> rollups.Snapshot:
        rollups.refresh()
        return original()

    monkeypatch.setattr(rollups, "snapshot", refreshed)
    return "rollups"
