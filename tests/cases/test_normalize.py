"""One spelling per address: how URLs and case numbers are normalised."""

from __future__ import annotations

import pytest

from cases.normalize import CASE_NUMBER_RE, normalize_case_number, normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Tracking parameters go, real ones stay.
        ("https://weibo.com/123/AbC?spm=a1.b2&share_token=xyz", "https://weibo.com/123/AbC"),
        ("https://weibo.com/123/AbC?utm_source=wx&utm_medium=s&utm_id=9&utm_xyz=1", "https://weibo.com/123/AbC"),
        (
            "https://www.bilibili.com/video/BV1xx411c7mD?p=2&vd_source=abc",
            "https://bilibili.com/video/BV1xx411c7mD?p=2",
        ),
        ("https://example.com/a?SPM=1&id=5", "https://example.com/a?id=5"),
        # Fragment dropped.
        ("https://weibo.com/123/AbC#comment", "https://weibo.com/123/AbC"),
        # Host lower-cased, www. and m. stripped, http upgraded.
        ("HTTP://WWW.Weibo.COM/123/AbC", "https://weibo.com/123/AbC"),
        ("http://m.weibo.cn/status/4912345678", "https://weibo.cn/status/4912345678"),
        ("https://weibo.com./123", "https://weibo.com/123"),
        # Trailing slash dropped, but the root keeps its one slash.
        ("https://zhihu.com/question/123/", "https://zhihu.com/question/123"),
        ("https://zhihu.com", "https://zhihu.com/"),
        ("https://zhihu.com/", "https://zhihu.com/"),
        # Query sorted.
        ("https://example.com/s?b=2&a=1&c=3", "https://example.com/s?a=1&b=2&c=3"),
        # Default ports dropped, others kept.
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:80/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        # Scheme-less input.
        ("weibo.com/123/AbC", "https://weibo.com/123/AbC"),
        ("  www.douyin.com/video/7412345678901234567  ", "https://douyin.com/video/7412345678901234567"),
        ("//www.douyin.com/video/74123", "https://douyin.com/video/74123"),
        # Chinese path and query percent-encoded (UTF-8), the same whether or not it came encoded.
        ("https://zhihu.com/topic/汽车", "https://zhihu.com/topic/%E6%B1%BD%E8%BD%A6"),
        ("https://zhihu.com/topic/%E6%B1%BD%E8%BD%A6", "https://zhihu.com/topic/%E6%B1%BD%E8%BD%A6"),
        (
            "https://so.toutiao.com/search?keyword=刹车 失灵",
            "https://so.toutiao.com/search?keyword=%E5%88%B9%E8%BD%A6%20%E5%A4%B1%E7%81%B5",
        ),
        # A literal percent sign stays a literal percent sign.
        ("https://example.com/100%25real", "https://example.com/100%25real"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://zhihu.com/topic/汽车?q=小米 SU7&spm=1#x",
        "HTTP://M.WEIBO.CN/status/49?b=2&a=1&a=0",
        "https://example.com/100%25real/%2541",
        "https://example.com/a+b?q=a+b&r=%2B",
        "https://example.com/?flag",
        "https://[2001:db8::1]:8080/path/",
        "douyin.com/user/MS4wLjABAAAA",
    ],
)
def test_normalize_url_is_idempotent(raw):
    once = normalize_url(raw)
    assert normalize_url(once) == once


def test_normalize_url_keeps_ipv6_hosts_in_brackets():
    assert normalize_url("http://[2001:DB8::1]:8080/x/") == "https://[2001:db8::1]:8080/x"


def test_normalize_url_spellings_of_one_post_collapse_to_one():
    spellings = [
        "https://www.weibo.com/1234567890/PqRsT",
        "http://weibo.com/1234567890/PqRsT/",
        "weibo.com/1234567890/PqRsT?spm=a2h0k&from=page_100505",
        "https://m.weibo.com/1234567890/PqRsT#comments",
    ]
    assert {normalize_url(url) for url in spellings} == {"https://weibo.com/1234567890/PqRsT"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("（2024）京04民终367号", "(2024)京04民终367号"),
        (" (2025) 京0491 民初 12345号 ", "(2025)京0491民初12345号"),
        ("(2023)沪0105执1234号", "(2023)沪0105执1234号"),
        ("(2025)京04执复12号", "(2025)京04执复12号"),
        ("(2024)京0105行初388号", "(2024)京0105行初388号"),
        ("(2025)最高法民辖终7号", "(2025)最高法民辖终7号"),
    ],
)
def test_normalize_case_number(raw, expected):
    normalised = normalize_case_number(raw)
    assert normalised == expected
    assert CASE_NUMBER_RE.match(normalised)


@pytest.mark.parametrize(
    "value", ["2025京0491民初12345号", "(2025)京0491民初号", "(25)京0491民初1号", "abc", "(2025)京0491民初12345"]
)
def test_case_number_pattern_rejects_malformed_numbers(value):
    assert not CASE_NUMBER_RE.match(normalize_case_number(value))


def test_normalize_url_keeps_encoded_slashes_encoded():
    assert normalize_url("https://example.com/a%2Fb/c") == "https://example.com/a%2Fb/c"


def test_normalize_url_with_a_bad_port_does_not_crash_and_stays_invalid():
    assert normalize_url("https://weibo.com:abc/x") == "https://weibo.com:abc/x"
