"""Browser walk of a police report from an item page (the art. 221 loss shown against the threshold)
and the lawsuit board; screenshots on desktop and phone (set LEGALCASES_SCREENSHOTS to keep them)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import models as m
from tests import factories as f
from tests.test_browser_litigation import DESKTOP, _log_in, _screens, _shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lawyer_reports_an_item_to_the_police_and_reads_the_board(live_server, page: Page, lawyer, tmp_path):
    screens = _screens(tmp_path)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Refused to" in msg.text else None)
    account = f.MonitoredAccountFactory(name="汽车黑料王")
    item = f.ContentItemFactory(account=account, platform=account.platform, title="曜川Y7刹车失灵？实测翻车", triage_state="suspected")
    f.AssessmentFactory(content_item=item, estimated_loss=Decimal("680000"), conclusion="crime")
    with transaction.atomic():  # a filed suit needs its defendant by commit time
        for n, stage in enumerate(("accepted", "accepted", "service", "hearing", "judged_first", "preparing")):
            suit = f.FiledLawsuitFactory(
                title=f"诉“汽车真相{n}号”名誉权纠纷", stage=stage, lawyer=lawyer if n % 2 else None
            )
            f.DeadlineFactory(lawsuit=suit, due_on=timezone.localdate() + datetime.timedelta(days=n - 2))
        f.FiledLawsuitFactory(stage="closed", outcome="won", court_fee=Decimal("2300"), lawyer_fee=Decimal("30000"))
        f.FiledLawsuitFactory(stage="closed", outcome="lost", court_name="杭州互联网法院", notary_fee=Decimal("4000"))
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    _log_in(page, base, "lawyer")

    page.goto(base + item.get_absolute_url())
    expect(page.locator('[data-threshold="above"]').first).to_be_visible()
    page.locator(f'a[href="{reverse("cases:report-create")}?item={item.pk}"]').click()
    page.select_option("#id_authority_type", "police")
    page.fill("#id_authority_name", "北京市海淀区公安分局网安大队")
    page.fill("#id_summary", "账号持续捏造刹车失灵，造成订单取消，直接损失约68万元。")
    page.locator("form.form button[type=submit]").click()
    report = m.AuthorityReport.objects.get()
    expect(page).to_have_url(base + report.get_absolute_url())
    page.select_option("#id_to", "filed")
    page.fill("#id_receipt_number", "京公网安受字2026第0001号")
    page.locator(".card form button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    report.refresh_from_db()
    assert report.status == "filed" and report.receipt_number == "京公网安受字2026第0001号"
    _shoot(page, screens, "police-report")

    page.goto(base + reverse("cases:lawsuit-board"))
    expect(page.locator('[data-stage="accepted"] [data-count]')).to_have_text("2")
    _shoot(page, screens, "lawsuit-board")
    assert not refused
