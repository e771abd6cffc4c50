"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
overview → region → agency → filing, and the subscribe form, with a screenshot of every step.

Screenshots go to NIANBAO_SCREENSHOT_DIR (CI keeps it as an artifact), else to a new temporary
folder; the path is printed. Skipped, saying why, when Chromium or Playwright is missing
(`apt-get install -y chromium`; NIANBAO_CHROMIUM names another binary).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from services.notify.db.models import Subscription
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from services.notify.web import create_web
from services.runtime import migrate_database
from services.store.web import create_pages
from shared.db import make_engine, session_factory
from tests import dashboard_data
from tests.conftest import FakeClock

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium")

playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
)
if shutil.which(CHROMIUM) is None:
    pytest.skip(
        f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (or set NIANBAO_CHROMIUM)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = os.environ.get("NIANBAO_SCREENSHOT_DIR")
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="nianbao-screenshots-"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {path}")
    return path


class Server:
    """The dashboard and notify's pages as `nianbao up` mounts them, on a loopback port."""

    def __init__(self, app: Any):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, NotifyService]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'nianbao.sqlite3'}"
    migrate_database(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    clock = FakeClock()
    asyncio.run(dashboard_data.build_record(sessions, clock))
    pages = create_pages(sessions)
    notify = NotifyService(
        sessions=sessions, mailer=None, clock=clock, public_url="http://nianbao.test"
    )
    pages.router.default = create_web(notify, NotifySettings())
    with Server(pages) as server:
        yield server, notify
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def test_overview_to_region_to_agency_to_filing(
    site: tuple[Server, NotifyService], browser: Any, screenshots: Path
) -> None:
    server, _ = site
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url + "/")
    assert page.title() == "全国合规总览 · 年报监测"
    assert page.locator("#on-time-rate").inner_text() == "7%"  # 2 on time of 30 decided, 2019–2024
    assert page.locator("svg[role=img] rect.bar").count() == 6
    page.screenshot(path=str(screenshots / "1-overview.png"), full_page=True)

    page.get_by_role("link", name="云南省", exact=True).click()
    assert page.locator("h1").inner_text().startswith("云南省")
    page.get_by_role("link", name="昆明市", exact=True).click()
    assert page.locator("h1").inner_text().startswith("昆明市")
    page.screenshot(path=str(screenshots / "2-region.png"), full_page=True)

    page.get_by_role("link", name="昆明市科学技术局", exact=True).click()
    assert page.locator("h1").inner_text() == "昆明市科学技术局"
    assert page.locator("#sources ~ div table").inner_text().count("正常") == 1
    page.screenshot(path=str(screenshots / "3-agency.png"), full_page=True)

    page.get_by_role("link", name="2024年度 法治政府建设年度报告").click()
    assert "法治政府建设" in page.locator("h1").inner_text()
    assert page.locator(".diff ins").first.inner_text() == "开展学法15次，组织旁听庭审2次。"
    page.screenshot(path=str(screenshots / "4-filing.png"), full_page=True)

    # Markup in a name stays text: nothing runs, the name shows as written.
    page.goto(server.url + "/regions/530102")
    assert page.get_by_role("link", name=dashboard_data.HOSTILE).count() == 1
    assert not errors, errors  # no CSP violation, no script error


def test_the_overview_is_readable_on_a_phone(
    site: tuple[Server, NotifyService], browser: Any, screenshots: Path
) -> None:
    server, _ = site
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(server.url + "/regions/530000")
    body_width = page.evaluate("document.body.scrollWidth")
    assert body_width <= 390  # wide tables scroll inside their box, the page does not
    page.screenshot(path=str(screenshots / "5-phone.png"), full_page=True)


def test_the_subscribe_form(
    site: tuple[Server, NotifyService], browser: Any, screenshots: Path
) -> None:
    server, notify = site
    page = browser.new_page(locale="zh-CN")
    page.goto(server.url + "/")
    page.get_by_role("link", name="订阅提醒").click()
    page.get_by_label("邮箱地址").fill("reader@example.org")
    page.get_by_label("地区", exact=False).first.fill("云南省")
    page.get_by_label("法治政府建设年度报告").check()
    page.get_by_label("每日汇总", exact=False).check()
    page.screenshot(path=str(screenshots / "6-subscribe.png"), full_page=True)
    page.get_by_role("button", name="订阅").click()
    assert page.locator("h1").inner_text() == "请查收确认邮件"
    page.screenshot(path=str(screenshots / "7-subscribed.png"), full_page=True)
    with notify.sessions() as session:
        sub = session.scalar(select(Subscription).where(Subscription.email == "reader@example.org"))
        assert sub is not None
        assert (sub.confirmed, sub.regions, sub.mode) == (False, ["530000"], "daily")
        assert sub.kinds == ["法治政府建设年度报告"]
