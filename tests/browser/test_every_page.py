"""Every main page, in French and English, in Chromium (issue 16, items 2, 3, 7):

- axe-core (``tests/browser/node_modules``, installed from npm by ``make test``)
  finds no serious or critical WCAG 2.2 A/AA violation;
- at 390 px wide nothing scrolls sideways (wide tables scroll inside their box);
- in French, a screenshot at desktop and phone width goes to ``docs/screenshots/``
  (the README shows them).

The pages are those of the demo network (``seed_demo``) with demo referrals, seen by
the person each page is for.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from referral_app.models import Referral, Trial, User
from referral_app.reports.demo import seed_demo_referrals
from referral_app.seeding import seed_demo
from tests.browser.conftest import choose_language, log_in_demo_user
from tests.services import missing

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# The README's screenshots: taken only when asked (`make screenshots`), so a test run
# leaves the tracked files alone.
SCREENSHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE, DESKTOP = 390, 1280

COORDINATOR = "elodie.marchand@chum.passerelle.test"
MANAGER = "chantal.morissette@chus.passerelle.test"
ADMIN = "admin@passerelle.test"


def _pages(ids: dict[str, int]) -> dict[str | None, list[tuple[str, str]]]:
    """(screenshot name, path) of each main page, by the login that sees it."""
    return {
        None: [
            ("login", "/login"),
            ("public-home", "/"),
            ("public-communities", "/communities"),
            ("public-community", "/communities/thoracic"),
            ("public-centres", "/centres"),
            ("public-directory", "/directory"),
            ("public-figures", "/figures"),
        ],
        COORDINATOR: [
            ("home", "/home"),
            ("catalogue", "/trials/"),
            ("trial", f"/trials/{ids['trial']}"),
            ("finder", "/finder"),
            ("referral-form", "/referrals/new"),
            ("referral", f"/referrals/{ids['referral']}"),
            ("inbox", "/referrals/incoming"),
            ("outbox", "/referrals/outgoing"),
            ("notifications", "/notifications/"),
            ("watchlist", "/watchlist"),
            ("coverage", "/trials/coverage"),
            ("communities", "/network/communities/"),
        ],
        MANAGER: [("reports", "/reports/")],
        ADMIN: [
            ("admin-users", "/admin/users"),
            ("admin-centres", "/admin/centres"),
            ("admin-communities", "/admin/communities"),
            ("admin-audit", "/admin/audit"),
            ("review-queue", "/trials/review"),
        ],
    }


@pytest.fixture
def demo(db) -> dict[str, int]:
    if not AXE_JS.exists():
        missing(f"axe-core at {AXE_JS} (npm ci in tests/browser)")
    seed_demo()
    seed_demo_referrals(40)
    db.session.commit()
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.referring_centre_id == coordinator.centre_id)
        .order_by(Referral.id)
    )
    trial = db.session.scalar(select(Trial).order_by(Trial.id))
    return {"referral": referral.id, "trial": trial.id}


def _serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['nodes'][0]['html'][:120]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# Lists a person scans on a phone: their table fits, the state column in sight
# (issue 16: the inbox's state was off to the right).
LISTS = {"inbox", "outbox", "catalogue", "review-queue"}


def _list_scrolls(page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('main .table-responsive')]"
        ".some(box => box.scrollWidth > box.clientWidth + 1)"
    )


def _sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_main_page_is_accessible_and_fits_a_phone(browser, live_server, demo, language):
    problems: list[str] = []
    for login, pages in _pages(demo).items():
        # axe needs its script injected: this context alone bypasses the app's CSP.
        context = browser.new_context(
            bypass_csp=True, viewport={"width": DESKTOP, "height": 900}, locale="fr-CA"
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base = live_server
        if login:
            log_in_demo_user(page, live_server, login)
        page.goto(live_server + pages[0][1])
        choose_language(page, language)
        for name, path in pages:
            for width in (DESKTOP, PHONE):
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(live_server + path)
                assert response.status == 200, (path, response.status)
                assert page.locator("html").get_attribute("lang") == language
                problems += [f"{language} {width}px {path}: {v}" for v in _serious_violations(page)]
                if width == PHONE and (extra := _sideways_scroll(page)) > 0:
                    problems.append(f"{language} {width}px {path}: scrolls {extra}px sideways")
                if width == PHONE and name in LISTS and _list_scrolls(page):
                    problems.append(f"{language} {width}px {path}: its list hides columns")
                if language == "fr" and SCREENSHOTS is not None:
                    kind = "phone" if width == PHONE else "desktop"
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=SCREENSHOTS / f"{name}-{kind}.png", full_page=False)
        context.close()
    assert problems == []
