"""The layer over protego: octets compared as RFC 9309 says, and groups bound by product token.

The rule semantics protego provides (longest match, `*`, `$`, 4xx/5xx) are tested through the
fetcher in test_fetcher.py; these cases are the ones where protego alone would answer otherwise.
"""

from __future__ import annotations

import pytest

from services.ingest.robots import RobotsRules, octet_spelling

pytestmark = pytest.mark.unit

SITE = "http://www.example.gov.cn"


def allows(robots: str, path: str) -> bool:
    return RobotsRules.parse(robots, "nianbao").allows(SITE + path)


@pytest.mark.parametrize(
    ("rule", "path", "allowed"),
    [
        # A raw Chinese link meets its percent-encoded rule, in either case of hex digits.
        ("/xxgk/%E5%B9%B4%E6%8A%A5/", "/xxgk/年报/2024.html", False),
        ("/xxgk/%e5%b9%b4%e6%8a%a5/", "/xxgk/年报/2024.html", False),
        # A raw Chinese rule meets the percent-encoded link.
        ("/xxgk/年报/", "/xxgk/%E5%B9%B4%E6%8A%A5/2024.html", False),
        ("/search?q=年报", "/search?q=%E5%B9%B4%E6%8A%A5&page=2", False),
        # GBK escapes are octets, not UTF-8: 年 (C4EA) decides nothing about 报 (B1A8).
        ("/%C4%EA", "/%C4%EA/1.html", False),
        ("/%C4%EA", "/%B1%A8/1.html", True),
        # An escaped unreserved character is the character; an escaped reserved one is not.
        ("/%61dmin/", "/admin/login.html", False),
        ("/a%3Fb", "/a?b", True),
        ("/a%3Fb", "/a%3fb", False),
        # Wildcards and anchors survive the respelling.
        ("/*年报*.pdf$", "/files/2024年报全文.pdf", False),
        ("/*年报*.pdf$", "/files/2024年报全文.pdf.html", True),
    ],
)
def test_paths_and_patterns_are_compared_as_octets(rule: str, path: str, allowed: bool) -> None:
    assert allows(f"User-agent: *\nDisallow: {rule}\n", path) is allowed


def test_the_most_specific_rule_counts_octets_of_the_escaped_form() -> None:
    robots = "User-agent: *\nDisallow: /xxgk/\nAllow: /xxgk/年报/\n"
    assert allows(robots, "/xxgk/年报/2024.html")
    assert allows(robots, "/xxgk/%E5%B9%B4%E6%8A%A5/2024.html")
    assert not allows(robots, "/xxgk/通知/1.html")
    # 年 weighs its three escaped octets (nine characters), as in other RFC 9309 parsers.
    robots = "User-agent: *\nAllow: /*abcdefghijkl\nDisallow: /*年\n"
    assert allows(robots, "/年abcdefghijkl")
    assert not allows(robots, "/年abcdefghij")


@pytest.mark.parametrize(
    ("agent", "bound"),
    [
        ("nianbao", True),
        ("NianBao", True),
        ("nianbao/1.0", True),  # a version after the token is not part of it
        ("nian", False),  # protego alone would bind this prefix of our token
        ("nian*", False),
        ("bao", False),
        ("Baiduspider", False),
    ],
)
def test_a_group_binds_us_only_by_our_product_token(agent: str, bound: bool) -> None:
    robots = f"User-agent: *\nAllow: /\n\nUser-agent: {agent}\nDisallow: /\n"
    assert allows(robots, "/a.html") is not bound


def test_other_crawlers_groups_end_ours_and_take_no_rules_from_it() -> None:
    robots = (
        "User-agent: nianbao\nUser-agent: Baiduspider\nDisallow: /xxgk/\n\n"
        "User-agent: Googlebot\nDisallow: /\n"
    )
    assert not allows(robots, "/xxgk/1.html")
    assert allows(robots, "/news/1.html")


def test_robots_txt_itself_is_always_allowed() -> None:
    assert allows("User-agent: *\nDisallow: /\n", "/robots.txt")
    assert not RobotsRules.disallow_all().allows(SITE + "/a.html")
    assert RobotsRules.allow_all().allows(SITE + "/a.html")


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("/plain/path_1-2.~html", "/plain/path_1-2.~html"),
        ("/年", "/%E5%B9%B4"),
        ("/%e5%b9%b4", "/%E5%B9%B4"),
        ("/%C4%EA", "/%25C4%25EA"),  # GBK: not UTF-8, kept as octets
        ("/%C4%EA年", "/%25C4%25EA%E5%B9%B4"),
        ("/%41%2F%3d?a=1&b", "/A%252F%253D?a=1&b"),
        ("/a b%20c", "/a%20b%20c"),
        ("/100%", "/100%25"),
        ("/*.pdf$", "/*.pdf$"),
    ],
)
def test_octet_spelling(text: str, spelled: str) -> None:
    assert octet_spelling(text) == spelled


def test_lines_other_than_rules_neither_split_nor_end_a_group() -> None:
    robots = (
        "User-agent: nianbao\nCrawl-delay: 5\nUser-agent: *\nDisallow: /private/\n"
        "Sitemap: http://www.example.gov.cn/sitemap.xml\nDisallow: /tmp/\n"
        "Dissallow: /news/\n"  # a misspelling is not a rule
    )
    assert not allows(robots, "/private/1.html")
    assert not allows(robots, "/tmp/1.html")
    assert allows(robots, "/news/1.html")
