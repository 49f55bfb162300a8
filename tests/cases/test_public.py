"""The public owner pages: the assistance program with its privacy notice, and the evidence guide."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.accounts.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

PUBLIC_HOME = reverse("cases:public-home")
GUIDE = reverse("cases:public-guide")


@pytest.mark.parametrize("url", [PUBLIC_HOME, GUIDE])
def test_owners_reach_the_pages_without_logging_in(client, url):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert 'class="app-nav"' not in html  # no staff navigation
    assert reverse("accounts:login") not in html  # and no way into the staff side
    assert f'action="{reverse("set_language")}"' in html
    assert f'href="{PUBLIC_HOME}#privacy"' in html  # footer link to the notice
    assert_csp_clean(html)


@pytest.mark.parametrize("url", [PUBLIC_HOME, GUIDE])
def test_staff_see_the_same_public_pages(lawyer_client, url):
    response = lawyer_client.get(url)

    assert response.status_code == 200
    assert 'class="app-nav"' not in response.content.decode()


def test_the_program_page_carries_the_privacy_notice_from_settings(client, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-07-test"
    settings.ASSISTANCE_RETENTION_DAYS = 543
    settings.DEFAULT_FROM_EMAIL = "legal@example.cn"

    html = client.get(PUBLIC_HOME).content.decode()

    assert 'id="privacy"' in html
    assert "2031-07-test" in html
    assert "543" in html
    assert 'href="mailto:legal@example.cn"' in html


def test_the_program_page_leads_on_to_the_evidence_guide(client):
    html = client.get(PUBLIC_HOME).content.decode()

    assert html.count(f'href="{GUIDE}"') >= 2  # the first call to action and the "start now" section
    headings = re.findall(r"<h2 id=\"([a-z-]+)\"", html)
    assert headings == ["who-title", "help-title", "how-title", "prepare-title", "privacy-title"]


def test_the_guide_covers_each_topic_and_platform(client):
    html = client.get(GUIDE).content.decode()

    for anchor in ["what", "how", "dont", "platforms", "next"]:
        assert f'id="{anchor}"' in html
        assert f'href="#{anchor}"' in html  # listed in the table of contents
    platforms = re.findall(r'<h3 id="p-([a-z]+)"', html)
    assert platforms == ["weibo", "douyin", "kuaishou", "bilibili", "xiaohongshu", "wechat", "autosites"]
    assert len(re.findall(r"<h1[ >]", html)) == 1


def test_unknown_public_addresses_get_the_404_page_with_a_way_back(client):
    response = client.get("/intake/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="card error-page"' in html
    assert f'href="{PUBLIC_HOME}"' in html
