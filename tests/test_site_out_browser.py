"""The mirror of the bundled site in a real browser: Debian's chromium driven by Playwright.

Every page is opened over file:// and over `sunset serve`: nothing may fail to load, no image
may be broken, the notice must be visible at the top, and no request may leave 127.0.0.1.
Screenshots of the seed page before (the original bytes, served from the docroot) and after
(the mirror) show that the notice adds a band at the top and the 1998 layout stays as it was.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_out.frames import FRAMED_FRAGMENT
from site_out.notice import NOTICE_ID
from site_out.serve import make_server
from tests.conftest import OTPIC_DOCROOT
from tests.test_site_out_serve import sunset_serve

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SEED = "www.colorado.edu/conflict/peace/treatment/track2.htm"
SEED_ORIGINAL = "conflict/peace/treatment/track2.htm"
FRAMESET = "www.colorado.edu/conflict/peace/index.html"
_INSTANT_REFRESH = re.compile(r"""<meta[^>]+http-equiv=["']?refresh["']?[^>]+content=["']?0\s*;""", re.IGNORECASE)

BROKEN_IMAGES = "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"


@pytest.fixture(scope="module")
def docroot_url() -> Iterator[str]:
    """The original files, bytes unchanged, as the old server sent them (the "before")."""
    server = make_server(OTPIC_DOCROOT)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served_mirror(otpic_run) -> Iterator[str]:
    _, layout = otpic_run
    with sunset_serve(layout.root) as url:
        yield url


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1024, "height": 900},
        )
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """Every request of a page: failures, error answers, and anything not on this machine."""

    def __init__(self, page, allowed_origin: str | None) -> None:
        self.failed: list[str] = []
        self.foreign: list[str] = []
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url} {request.failure}"))
        page.on("response", lambda response: response.status >= 400
                and self.failed.append(f"{response.url} HTTP {response.status}"))
        page.on("request", lambda request: self._check(request.url, allowed_origin))

    def _check(self, url: str, allowed_origin: str | None) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "about"):
            return
        if parts.hostname != "127.0.0.1" or (allowed_origin and not url.startswith(allowed_origin)):
            self.foreign.append(url)


def mirror_pages(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                  if path.suffix.lower() in (".htm", ".html"))


def open_page(context, url: str, instant_refresh: bool, origin: str | None):
    page = context.new_page()
    watch = Watch(page, origin)
    page.goto(url, wait_until="load")
    if instant_refresh:
        page.wait_for_url(lambda now: now != url)
        page.wait_for_load_state("load")
    return page, watch


def assert_notice_at_top(frame, where: str) -> None:
    box = frame.locator(f"#{NOTICE_ID}").bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, f"{where}: notice not rendered"
    top = frame.evaluate(f"document.getElementById('{NOTICE_ID}').getBoundingClientRect().top")
    assert 0 <= top < 40, f"{where}: notice at {top}px, not at the top"


@pytest.mark.parametrize("transport", ["file", "http"])
def test_every_mirror_page_in_chromium(otpic_run, context, served_mirror: str, transport: str) -> None:
    _, layout = otpic_run
    root = layout.mirror
    pages = mirror_pages(root)
    assert len(pages) >= 20
    for relative in pages:
        text = (root / relative).read_text("utf-8")
        if transport == "file":
            url, origin = (root / relative).as_uri(), None
        else:
            url, origin = served_mirror + "/".join(relative.split("/")), served_mirror
        page, watch = open_page(context, url, bool(_INSTANT_REFRESH.search(text)), origin)
        try:
            frames = [frame for frame in page.frames if frame != page.main_frame] or [page.main_frame]
            for frame in frames:
                assert frame.evaluate(BROKEN_IMAGES) == [], f"{relative}: broken images in {frame.url}"
                if frame.url.endswith(FRAMED_FRAGMENT):  # the frameset's notice row stands for it
                    assert not frame.locator(f"#{NOTICE_ID}").is_visible(), f"{relative}: notice in {frame.url}"
                else:
                    assert_notice_at_top(frame, f"{relative} ({frame.url})")
            assert watch.failed == [], f"{relative}: {watch.failed}"
            assert watch.foreign == [], f"{relative}: requests off this machine: {watch.foreign}"
        finally:
            page.close()


def test_search_finds_pages_offline(otpic_run, context) -> None:
    _, layout = otpic_run
    page = context.new_page()
    try:
        page.goto((layout.mirror / "_sunset/index.html").as_uri(), wait_until="load")
        assert page.locator("#sunset-pages li").count() >= 15
        page.fill("#sunset-search", "citizen diplomacy")
        results = page.locator("#sunset-results li a")
        assert results.count() >= 1
        assert "Multi-track Diplomacy" in results.first.inner_text()
        results.first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith("treatment/track2.htm")
    finally:
        page.close()


def test_search_and_navigation_from_a_part_of_the_page_list(tmp_path: Path, context,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A later part lists its own pages, searches every part's, hides its list while searching,
    and links to the other parts."""
    import io

    from site_out import catalog
    from site_out.catalog import SEARCH_INDEX, CatalogEntry, search_script, write_catalog

    monkeypatch.setattr(catalog, "PART_SIZE", 3)
    pages = [CatalogEntry(f"../site/{number}.html", f"http://h/{number}.html", f"Page {number}",
                          "the only aardvark" if number == 1 else "nothing") for number in range(1, 8)]
    (tmp_path / "site").mkdir()
    for number in range(1, 8):
        (tmp_path / "site" / f"{number}.html").write_text(f"<title>{number}</title>")
    script = io.StringIO()
    write_catalog(iter(pages), "<div>notice</div>", "site", tmp_path, script)
    (tmp_path / SEARCH_INDEX).write_text(script.getvalue(), encoding="utf-8")
    (tmp_path / "_sunset/search.js").write_text(search_script(), encoding="utf-8")
    page = context.new_page()
    try:
        page.goto((tmp_path / "_sunset/index-2.html").as_uri(), wait_until="load")
        listed = page.locator("#sunset-pages li a")
        assert listed.all_inner_texts() == ["Page 4", "Page 5", "Page 6"]
        page.fill("#sunset-search", "aardvark")
        assert page.locator("#sunset-results li a").all_inner_texts() == ["Page 1"]
        assert not page.locator("#sunset-pages").is_visible()
        page.fill("#sunset-search", "")
        assert page.locator("#sunset-pages").is_visible()
        page.locator("nav.sunset-parts").first.get_by_text("7\u20137").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("_sunset/index-3.html")
        assert page.locator("#sunset-pages li a").all_inner_texts() == ["Page 7"]
    finally:
        page.close()
    page = context.new_page()  # with JavaScript off: no search, the list and its links still work
    try:
        context.new_cdp_session(page).send("Emulation.setScriptExecutionDisabled", {"value": True})
        page.goto((tmp_path / "_sunset/index-3.html").as_uri(), wait_until="load")
        assert not page.locator("#sunset-search-form").is_visible()
        page.locator("nav.sunset-parts").last.get_by_text("4\u20136").click()
        page.wait_for_load_state("load")
        assert page.url.endswith("_sunset/index-2.html")
        assert page.locator("#sunset-pages li a").all_inner_texts() == ["Page 4", "Page 5", "Page 6"]
        assert page.locator("#sunset-search-form").is_hidden()  # still off after the navigation
    finally:
        page.close()


def test_missing_page_shows_the_address_in_the_pages_language(otpic_run, context) -> None:
    _, layout = otpic_run
    page = context.new_page()
    try:
        url = (layout.mirror / "_sunset/missing.de.html").as_uri() + "?url=http%3A%2F%2Fh%2F%3Cb%3Ex.htm"
        page.goto(url, wait_until="load")
        assert page.locator("#sunset-missing-url").inner_text() == "http://h/<b>x.htm"
        assert "Seite nicht archiviert" in page.locator("h1").inner_text()
    finally:
        page.close()


@contextmanager
def seed_before_and_after(context, docroot_url: str, mirror: Path):
    """The seed page from the original bytes and from the mirror, side by side."""
    before, watch = open_page(context, docroot_url + SEED_ORIGINAL, False, docroot_url)
    after, _ = open_page(context, (mirror / SEED).as_uri(), False, None)
    try:
        assert watch.failed == []
        yield before, after
    finally:
        before.close()
        after.close()


def _content_top(page, after_notice: bool) -> float:
    script = (f"document.getElementById('{NOTICE_ID}').nextElementSibling.getBoundingClientRect().top"
              if after_notice else "document.body.firstElementChild.getBoundingClientRect().top")
    return page.evaluate(script)


def test_seed_page_layout_is_kept_below_the_notice(otpic_run, context, docroot_url: str,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    from PIL import Image, ImageChops, ImageStat

    _, layout = otpic_run
    shots = tmp_path_factory.mktemp("screenshots")
    with seed_before_and_after(context, docroot_url, layout.mirror) as (before_page, after_page):
        before_page.screenshot(path=str(shots / "before.png"))
        after_page.screenshot(path=str(shots / "after.png"))
        offset = round(_content_top(after_page, True) - _content_top(before_page, False))
        assert offset > 40  # the notice's band
        before = Image.open(shots / "before.png").convert("RGB")
        after = Image.open(shots / "after.png").convert("RGB")
        height = after.height - offset
        below_notice = after.crop((0, offset, after.width, after.height))
        top_of_before = before.crop((0, 0, before.width, height))
        below_notice.save(shots / "after-below-notice.png")
        difference = ImageChops.difference(below_notice, top_of_before)
        difference.save(shots / "difference.png")
        mean = sum(ImageStat.Stat(difference).mean) / 3
        gray = difference.convert("L")
        strong = sum(gray.histogram()[64:]) / (gray.width * gray.height)
        # Only the tiled BACKGROUND= paper moves against the text (it is anchored to the page):
        # a faint difference everywhere, but no text, rule or image in another place.
        assert mean < 5, f"layout changed below the notice: mean difference {mean:.2f} (see {shots})"
        assert strong < 0.001, f"{strong:.2%} of the pixels differ strongly (see {shots})"
        assert before_page.title() == after_page.title()


@pytest.mark.parametrize("viewport", [{"width": 800, "height": 600}, {"width": 375, "height": 667}])
def test_notice_fits_small_screens(otpic_run, context, docroot_url: str, viewport: dict[str, int],
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    _, layout = otpic_run
    shots = tmp_path_factory.mktemp(f"screens-{viewport['width']}")
    with seed_before_and_after(context, docroot_url, layout.mirror) as (before_page, after_page):
        for page in (before_page, after_page):
            page.set_viewport_size(viewport)
        after_page.screenshot(path=str(shots / "after.png"))
        box = after_page.locator(f"#{NOTICE_ID}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        overflow = after_page.evaluate(
            f"(() => {{ const n = document.getElementById('{NOTICE_ID}'); return n.scrollWidth - n.clientWidth; }})()")
        assert overflow <= 0, "the notice's text overflows its box"
        width = "document.documentElement.scrollWidth"
        assert after_page.evaluate(width) <= max(before_page.evaluate(width), viewport["width"])


def test_a_frameset_shows_the_notice_once_and_its_menu_on_the_first_screen(otpic_run, context) -> None:
    """Issue 14, point 2: the notice row above the frames, none in the 180-pixel menu frame,
    whose original content is on the first screen at 1024x768; the menu opened alone has it."""
    _, layout = otpic_run
    page = context.new_page()
    try:
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto((layout.mirror / FRAMESET).as_uri(), wait_until="load")
        shown = [frame.url for frame in page.frames if frame.locator(f"#{NOTICE_ID}").count()
                 and frame.locator(f"#{NOTICE_ID}").is_visible()]
        assert len(shown) == 1 and shown[0].endswith("_sunset/frame-notice.html")
        menu = page.frame(name="menu")
        assert menu is not None
        frame_top = menu.frame_element().bounding_box()["y"]
        content = menu.evaluate(
            f"(() => {{ const first = document.getElementById('{NOTICE_ID}').nextElementSibling;"
            "  return [first.getBoundingClientRect().top, document.body.scrollHeight]; })()")
        assert content[0] < 20, "the menu does not start at the top of its frame"
        assert frame_top + content[1] <= 768, "the menu does not fit on the first screen"
        page.goto(menu.url.split("#", 1)[0], wait_until="load")  # the same page opened alone
        assert_notice_at_top(page.main_frame, "!menu.htm opened alone")
    finally:
        page.close()
