"""Coordinated-campaign detection and the analyst's decisions (cases/services/campaigns.py, near_duplicates.py)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from cases import models as m
from cases import near_duplicates as nd
from cases.services import campaigns
from cases.tasks.campaigns import detect_campaigns as detect_task
from tests import factories as f

pytestmark = pytest.mark.django_db

BASE = (
    "曜川Y7高速刹车失灵撞上护栏，车主差点没命，厂家至今不回应！大家买车一定要避雷！"
    "这车真的不能买，身边已经有好几个朋友出事了。"
)
SWAPS = (
    ("高速", "高速公路"),
    ("车主", "司机"),
    ("厂家", "厂商"),
    ("至今", "到现在"),
    ("大家", "各位"),
    ("一定要", "千万要"),
    ("差点", "差一点"),
    ("好几个", "好多个"),
)
PREFIXES = ("", "转发：", "【扩散】", "太吓人了，", "刚刷到，", "#曜川Y7刹车失灵# ")
SUFFIXES = ("", "😱", "😡😡", "🙏", " [怒]", " #汽车安全#", " #避雷#", " 家人们扩散一下")
UNRELATED = (
    "提车一个月，曜川Y7用车感受：续航基本符合预期，北京冬天开暖风掉电快一点，整体满意。",
    "曜川发布十月交付数据，曜川Y5交付量环比增长，新车型预计年底上市。",
    "曜川Y7刹车到底有没有问题？有车主说高速上踩刹车发软，求懂的人解答一下。",
    "周末带家人自驾，曜川Y9后排空间够用，智驾在高速上表现稳定，分享几张照片。",
    "在成都等配件等了两周，售后效率有待提高，希望曜川重视。",
    "冬季续航打了七折左右，和宣传的工况续航差距不小，大家理性看待。",
    "身边朋友的曜川Y7也出过问题，曜川的车真的不敢买了。",
    "试驾了曜川E3，加速很线性，隔音不错，车机反应快，价格还得再看看。",
)
SPAM = "关注我，每天分享汽车干货，今天聊聊冬季电车续航怎么保养，点赞收藏不迷路！"


def variant(r: random.Random) -> str:
    """A troll's copy of BASE: a few words changed, punctuation, emoji, #topics#, a link or @mention."""
    text = BASE
    for old, new in r.sample(SWAPS, r.randint(0, 2)):
        text = text.replace(old, new, 1)
    if r.random() < 0.5:
        text = text.replace("，", r.choice([",", " ", "、", "，，"]))
    if r.random() < 0.4:
        text = text.replace("！", r.choice(["!", "！！", "。", "!!!"]))
    text = r.choice(PREFIXES) + text + r.choice(SUFFIXES)
    if r.random() < 0.2:
        text += " https://t.cn/A6" + "".join(r.choice("abcXYZ123") for _ in range(6))
    if r.random() < 0.2:
        text = "@汽车真相 " + text
    return text


@dataclass
class J5:
    accounts: list[m.MonitoredAccount]
    agency: m.Agency
    campaign_items: list[int]
    unrelated_items: list[int]
    spam_items: list[int]


def make_posts(
    platform: m.Platform, rows: list[tuple[m.MonitoredAccount, str, datetime.datetime]], tag: str
) -> list[int]:
    items = m.ContentItem.objects.bulk_create(
        m.ContentItem(
            platform=platform,
            url=f"https://weibo.com/{account.platform_uid}/{tag}{i}",
            account=account,
            text=text,
            published_at=at,
            views=100 + i,
        )
        for i, (account, text, at) in enumerate(rows)
    )
    return [item.pk for item in items]


def make_j5(*, posts: int = 300, accounts: int = 120, seed: int = 5) -> J5:
    """J5 of DESIGN.md: 300 near-identical posts from 120 accounts within 48 hours, plus noise."""
    r = random.Random(seed)
    now = timezone.now()
    platform = f.PlatformFactory()
    agency, _ = m.Agency.objects.get_or_create(name="深圳流量魔方营销策划有限公司")
    trolls = [f.MonitoredAccountFactory(platform=platform, agency=agency if i < 30 else None) for i in range(accounts)]
    start = now - datetime.timedelta(hours=47)
    step = datetime.timedelta(hours=46) / posts
    campaign_rows = [(trolls[i % accounts], variant(r), start + step * i) for i in range(posts)]
    others = [f.MonitoredAccountFactory(platform=platform) for _ in range(len(UNRELATED))]
    unrelated_rows = [(others[i], text, start + datetime.timedelta(hours=3 * i)) for i, text in enumerate(UNRELATED)]
    spammer = f.MonitoredAccountFactory(platform=platform)
    spam_rows = [(spammer, SPAM, now - datetime.timedelta(minutes=10 * i + 5)) for i in range(50)]
    return J5(
        accounts=trolls,
        agency=agency,
        campaign_items=make_posts(platform, campaign_rows, "c"),
        unrelated_items=make_posts(platform, unrelated_rows, "u"),
        spam_items=make_posts(platform, spam_rows, "s"),
    )


def add_variants(n: int, *, accounts: int, seed: int, hours_ago: float = 1) -> list[int]:
    r = random.Random(seed)
    platform = f.PlatformFactory()
    people = [f.MonitoredAccountFactory(platform=platform) for _ in range(accounts)]
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    return make_posts(platform, [(people[i % accounts], variant(r), at) for i in range(n)], f"v{seed}-")


# --- Text similarity -----------------------------------------------------------------------------


def test_normalising_drops_links_mentions_topics_emoji_punctuation_and_width():
    text = "@汽车真相 #曜川Y7刹车失灵# 曜川Ｙ７刹车失灵！！😱[怒] https://t.cn/A6abc 转需 #避雷"
    assert nd.normalise(text) == "曜川y7刹车失灵转需"


def test_copies_with_small_edits_are_similar_and_other_posts_are_not():
    r = random.Random(1)
    base = nd.shingles(BASE)
    copies = [nd.jaccard(base, nd.shingles(variant(r))) for _ in range(50)]
    assert min(copies) >= 0.6
    assert max(nd.jaccard(base, nd.shingles(text)) for text in UNRELATED) < 0.2


def test_signature_estimate_tracks_the_exact_similarity():
    r = random.Random(2)
    texts = [variant(r) for _ in range(20)] + list(UNRELATED)
    cores = [nd.normalise(t) for t in texts]
    sigs = [nd.signature(c) for c in cores]
    for i in range(1, len(texts)):
        exact = nd.jaccard(nd.shingle_set(cores[0]), nd.shingle_set(cores[i]))
        assert abs(nd.estimate(sigs[0], sigs[i]) - exact) < 0.25
    assert nd.signature("支持") is None  # too short to compare


def test_the_typical_copy_leads_and_two_different_texts_make_two_clusters():
    r = random.Random(4)
    other = "曜川E3电池包自燃，4S店拒绝赔偿，车主维权无门，大家千万别买这个品牌的电动车！"
    texts = [variant(r) for _ in range(30)] + [other + suffix for suffix in ("", "！", "😡", " #避雷#", "，转发")]
    sets = {i: nd.shingles(t) for i, t in enumerate(texts)}
    clusters = nd.leader_clusters(list(range(len(texts))), sets, threshold=0.5)
    assert sorted(len(members) for _, members in clusters) == [5, 30]
    leader, members = max(clusters, key=lambda c: len(c[1]))
    assert nd.normalise(texts[leader]).endswith(nd.normalise(BASE)[-20:])
    assert min(score for _, score in members) >= 0.6


# --- Detection (J5) -------------------------------------------------------------------------------


def test_j5_three_hundred_copies_from_120_accounts_are_found_as_exactly_one_campaign():
    j5 = make_j5()
    created = campaigns.detect_campaigns()
    assert len(created) == 1 and m.Campaign.objects.count() == 1
    campaign = created[0]
    assert set(campaign.items.values_list("pk", flat=True)) == set(j5.campaign_items)
    assert (campaign.item_count, campaign.account_count) == (300, 120)
    assert set(campaign.accounts.values_list("pk", flat=True)) == {a.pk for a in j5.accounts}
    assert list(campaign.agencies.all()) == [j5.agency]
    assert (campaign.status, campaign.method) == ("detected", "automatic")
    first, last = (
        m.ContentItem.objects.get(pk=pk).published_at for pk in (j5.campaign_items[0], j5.campaign_items[-1])
    )
    assert (campaign.first_item_at, campaign.last_item_at) == (first, last)
    assert "刹车失灵" in campaign.name and len(campaign.name) <= 45
    assert not m.ContentItem.objects.filter(pk__in=j5.unrelated_items + j5.spam_items, campaign__isnull=False).exists()


def test_one_account_repeating_itself_is_spam_not_a_campaign():
    platform = f.PlatformFactory()
    spammer = f.MonitoredAccountFactory(platform=platform)
    now = timezone.now()
    make_posts(platform, [(spammer, SPAM, now - datetime.timedelta(minutes=i)) for i in range(50)], "s")
    assert campaigns.detect_campaigns() == []


def test_copies_spread_over_ten_days_are_not_a_coordinated_burst():
    platform = f.PlatformFactory()
    people = [f.MonitoredAccountFactory(platform=platform) for _ in range(6)]
    r, now = random.Random(3), timezone.now()
    rows = [(people[i % 6], variant(r), now - datetime.timedelta(days=i)) for i in range(12)]
    make_posts(platform, rows, "slow")
    assert campaigns.detect_campaigns(lookback_hours=15 * 24) == []
    # The same twelve copies inside two days are a campaign.
    m.ContentItem.objects.update(published_at=now - datetime.timedelta(hours=5))
    assert len(campaigns.detect_campaigns()) == 1


def test_running_again_creates_nothing_and_changes_nothing():
    make_j5()
    [campaign] = campaigns.detect_campaigns()
    report = campaigns.detect_campaigns_report()
    assert report.created == [] and report.extended == {} and report.scanned == 358
    assert m.Campaign.objects.count() == 1
    campaign.refresh_from_db()
    assert (campaign.item_count, campaign.account_count) == (300, 120)


def test_a_new_similar_post_joins_the_open_campaign():
    make_j5()
    [campaign] = campaigns.detect_campaigns()
    before = timezone.now()
    [new] = add_variants(1, accounts=1, seed=9)
    report = campaigns.detect_campaigns_report(since=before)
    assert report.created == [] and report.extended == {campaign.pk: 1}
    campaign.refresh_from_db()
    assert (campaign.item_count, campaign.account_count) == (301, 121)
    assert m.ContentItem.objects.get(pk=new).campaign_id == campaign.pk


def test_a_dismissed_campaign_stays_dismissed_and_absorbs_nothing(analyst):
    j5 = make_j5()
    [campaign] = campaigns.detect_campaigns()
    campaigns.campaign_dismiss(campaign=campaign, actor=analyst, reason="新闻标题被大量网友自发转发，不是水军。")
    assert campaigns.detect_campaigns() == []
    new = add_variants(20, accounts=10, seed=11)
    assert campaigns.detect_campaigns() == []
    campaign.refresh_from_db()
    assert campaign.status == "rejected" and campaign.item_count == 300
    assert m.ContentItem.objects.filter(pk__in=j5.campaign_items, campaign=campaign).count() == 300
    assert not m.ContentItem.objects.filter(pk__in=new, campaign__isnull=False).exists()


def test_items_of_another_campaign_are_never_taken():
    j5 = make_j5()
    closed = f.CampaignFactory(status="closed")
    m.ContentItem.objects.filter(pk__in=j5.campaign_items[:10]).update(campaign=closed)
    [campaign] = campaigns.detect_campaigns()
    assert campaign.item_count == 290
    assert closed.items.count() == 10


def test_posts_near_an_open_manual_campaign_join_it_instead_of_starting_another():
    j5 = make_j5()
    manual = f.CampaignFactory(status="confirmed", method="manual")
    m.ContentItem.objects.filter(pk__in=j5.campaign_items[:5]).update(campaign=manual)
    assert campaigns.detect_campaigns() == []
    manual.refresh_from_db()
    assert (manual.item_count, manual.account_count) == (300, 120)


def test_since_after_every_import_reads_nothing():
    make_j5(posts=20, accounts=10)
    report = campaigns.detect_campaigns_report(since=timezone.now() + datetime.timedelta(minutes=1))
    assert report.scanned == 0 and report.created == []


def test_the_task_takes_plain_json_and_returns_a_report(analyst):
    make_j5(posts=30, accounts=12)
    result = detect_task.delay(
        since_iso=(timezone.now() - datetime.timedelta(minutes=5)).isoformat(), actor_id=analyst.pk
    )
    report = result.get()
    assert len(report["created"]) == 1 and report["items_linked"] == 30
    with pytest.raises(ValueError):
        detect_task.delay(since_iso="yesterday").get()


def test_the_management_command_reports_what_it_found(capsys):
    make_j5(posts=30, accounts=12)
    call_command("detect_campaigns", "--window-hours", "48")
    out = capsys.readouterr().out
    assert "30 / 12" in out
    assert m.Campaign.objects.get().item_count == 30


# --- Decisions ------------------------------------------------------------------------------------


def statuses(campaign: m.Campaign) -> list[tuple[str, str, str]]:
    return list(
        m.StateChange.objects.filter(object_type="cases.campaign", object_id=campaign.pk)
        .order_by("id")
        .values_list("from_state", "to_state", "reason")
    )


def test_confirming_records_who_moved_the_campaign(analyst):
    campaign = f.CampaignFactory(status="detected")
    campaigns.campaign_confirm(campaign=campaign, actor=analyst)
    campaign.refresh_from_db()
    assert campaign.status == "confirmed"
    assert statuses(campaign) == [("detected", "confirmed", "")]
    assert m.StateChange.objects.get().actor == analyst


def test_dismissing_needs_a_reason_and_a_dismissed_campaign_cannot_be_confirmed(analyst):
    campaign = f.CampaignFactory(status="detected")
    with pytest.raises(ValidationError) as excinfo:
        campaigns.campaign_dismiss(campaign=campaign, actor=analyst, reason="  ")
    assert "reason" in excinfo.value.message_dict
    campaigns.campaign_dismiss(campaign=campaign, actor=analyst, reason="同一新闻的正常转发")
    assert statuses(campaign) == [("detected", "rejected", "同一新闻的正常转发")]
    with pytest.raises(ValidationError) as excinfo:
        campaigns.campaign_confirm(campaign=campaign, actor=analyst)
    assert excinfo.value.code == "illegal_transition"


def test_executives_may_not_decide_on_campaigns(executive):
    campaign = f.CampaignFactory(status="detected")
    with pytest.raises(PermissionDenied):
        campaigns.campaign_confirm(campaign=campaign, actor=executive)
    with pytest.raises(PermissionDenied):
        campaigns.campaign_dismiss(campaign=campaign, actor=executive, reason="不是水军，正常转发")
    assert not m.StateChange.objects.exists()


def test_linking_an_agency_marks_the_campaign_and_the_chosen_accounts(analyst):
    j5 = make_j5(posts=30, accounts=12)
    [campaign] = campaigns.detect_campaigns()
    other = f.AgencyFactory(name="广州众声网络科技有限公司")
    free = [a for a in j5.accounts if a.agency_id is None][:3]
    campaigns.campaign_link_agency(campaign=campaign, agency=other, actor=analyst, accounts=free)
    assert set(campaign.agencies.values_list("name", flat=True)) == {j5.agency.name, other.name}
    assert set(m.MonitoredAccount.objects.filter(agency=other).values_list("pk", flat=True)) == {a.pk for a in free}
    with pytest.raises(ValidationError) as excinfo:  # run by another agency already
        campaigns.campaign_link_agency(campaign=campaign, agency=other, actor=analyst, accounts=[j5.accounts[0]])
    assert "accounts" in excinfo.value.message_dict
    stranger = f.MonitoredAccountFactory()
    with pytest.raises(ValidationError) as excinfo:  # not in the campaign
        campaigns.campaign_link_agency(campaign=campaign, agency=other, actor=analyst, accounts=[stranger])
    assert "accounts" in excinfo.value.message_dict
    assert m.MonitoredAccount.objects.get(pk=stranger.pk).agency_id is None
    campaigns.campaign_dismiss(campaign=campaign, actor=analyst, reason="正常转发，不是水军")
    with pytest.raises(ValidationError):  # a dismissed cluster gets no agency
        campaigns.campaign_link_agency(campaign=campaign, agency=f.AgencyFactory(), actor=analyst)
