"""``report.html`` as a person sees it, in headless Chromium: the verdict and the three
broken clauses on the first screen, a click away from a curl line that reproduces the
failure; the page renders quickly and stays small for a run over both profiles.

Needs a Chromium on PATH (Debian's ``chromium``; ``.ci/run`` installs it). Nothing is
downloaded: without one these tests are skipped, saying so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from errcontract._contract.profile import load_profile
from errcontract.cli import main
from errcontract.reports.screenshot import (
    find_browser,
    headless_command,
    run_headless,
    screenshot,
)

BROWSER = find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium executable on PATH (chromium, chromium-browser, "
    "google-chrome): apt-get install chromium to run the browser tests",
)

FAULTS = ("CD-HDR-1", "CD-AUTH-2", "CD-CONFLICT-2")
WIDTH, HEIGHT = 1280, 800
FAST = ("--rate-limit", "50", "--max-rps", "1000")

# Runs after the page is laid out: measures what the first screen shows, then does
# what a person would (click a broken clause in the banner, filter to failures) and
# leaves its findings in the DOM for --dump-dom.
PROBE = """
(() => {
  const ids = %(ids)s;
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
            width: r.width, height: r.height, text: el.innerText,
            visible: el.checkVisibility({opacityProperty: true,
                                         visibilityProperty: true})};
  };
  const out = {vw: innerWidth, vh: innerHeight, banner: {}, rendered_ms: 0,
               verdict: box(document.getElementById("verdict"))};
  for (const id of ids) {
    const el = [...document.querySelectorAll("ol.broken .cid")]
      .find((e) => e.textContent.trim() === id);
    out.banner[id] = box(el);
  }
  out.rendered_ms = performance.now();
  const link = document.querySelector(`ol.broken a[href="#ev-${ids[0]}"]`);
  link.click();
  out.scroll_y = scrollY;
  out.curl = box(document.querySelector(`#ev-${ids[0]} pre.curl`));
  document.querySelector("label[for=st-fail]").click();
  const rows = () => [...document.querySelectorAll("tr.clause")]
    .filter((r) => r.checkVisibility()).map((r) => r.id);
  out.rows_failing = rows();
  document.querySelector("label[for=st-all]").click();
  out.rows_all = rows().length;
  const script = document.createElement("script");
  script.type = "application/json";
  script.id = "probe-out";
  script.textContent = JSON.stringify(out);
  document.body.append(script);
})();
"""


def _run(report_dir: Path, *args: str) -> Path:
    code = main(["run", *args, *FAST, "--report-dir", str(report_dir)])
    assert code == 1, f"exit {code}: the faults should fail the run"
    return report_dir / "report.html"


@pytest.fixture(scope="module")
def three_faults(tmp_path_factory: pytest.TempPathFactory) -> Path:
    faults = [f for fault in FAULTS for f in ("--fault", fault)]
    return _run(tmp_path_factory.mktemp("report"), "--api", "cardda", *faults)


@pytest.fixture(scope="module")
def seen(three_faults: Path) -> dict[str, Any]:
    """What the probe found on the three-fault report."""
    return _probe(three_faults, list(FAULTS))[0]


def _probe(report: Path, ids: list[str]) -> tuple[dict[str, Any], float]:
    """Open a copy of ``report`` with the probe added; its findings and the time
    Chromium took, start to exit."""
    script = PROBE % {"ids": json.dumps(ids)}
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    page = report.read_text("utf-8")
    # The page's own policy would (rightly) refuse an unknown script: allow this one.
    page, n = re.subn(r"script-src ", f"script-src 'sha256-{digest}' ", page, count=1)
    assert n == 1, "the page has a script-src policy"
    page = page.replace("</body>", f"<script>{script}</script></body>")
    copy = report.with_name("probe.html")
    copy.write_text(page, encoding="utf-8")
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        command = headless_command(BROWSER, Path(profile), width=WIDTH, height=HEIGHT)
        started = time.monotonic()
        done = run_headless([*command, "--dump-dom", copy.as_uri()], timeout_s=60)
        elapsed = time.monotonic() - started
    found = re.search(
        r'<script type="application/json" id="probe-out">(.*?)</script>',
        done.stdout,
        re.S,
    )
    assert found, f"the probe did not run: {done.stderr[-2000:]}"
    return json.loads(found.group(1)), elapsed


def _on_first_screen(box: dict[str, Any] | None, vh: float) -> bool:
    """Whole, visible, and within the first ``vh`` pixels of the viewport."""
    return bool(
        box
        and box["visible"]
        and box["width"] > 0
        and box["height"] > 0
        and box["top"] >= 0
        and box["bottom"] <= min(vh, HEIGHT)
    )


def test_the_first_screen_shows_the_verdict_and_the_three_broken_clauses(seen):
    found = seen
    # Headless Chromium keeps room for a window frame when dumping the DOM: its
    # viewport is shorter than the screenshot's, which only makes this stricter.
    assert found["vw"] == WIDTH
    assert found["vh"] <= HEIGHT
    verdict = found["verdict"]
    assert _on_first_screen(verdict, found["vh"]), verdict
    assert verdict["text"].startswith("FAIL")
    assert "The run failed: 3 clauses broke" in verdict["text"]
    for clause in FAULTS:
        assert _on_first_screen(found["banner"][clause], found["vh"]), (
            clause,
            found["banner"][clause],
        )


def test_clicking_a_broken_clause_shows_its_curl_line(seen):
    found = seen
    assert found["scroll_y"] > found["vh"], "the click went to the evidence"
    curl = found["curl"]
    assert _on_first_screen(curl, found["vh"]), curl
    assert curl["text"].startswith("curl -i -X ")
    assert "/v1/" in curl["text"]


def test_filtering_by_status_leaves_only_the_failing_clauses(seen):
    found = seen
    assert sorted(found["rows_failing"]) == sorted(f"clause-{c}" for c in FAULTS)
    assert found["rows_all"] == len(load_profile("cardda").clauses)


def test_screenshot_of_the_first_screen_is_kept_in_the_report_directory(
    three_faults,
):
    png = screenshot(
        three_faults, three_faults.with_name("report.png"), width=WIDTH, height=HEIGHT
    )
    assert png == three_faults.with_name("report.png")
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (WIDTH, HEIGHT)


def test_a_run_over_both_profiles_stays_small_and_renders_fast(tmp_path):
    faults = ("CD-HDR-1", "CD-VAL-1", "CC-AUTH-4", "CC-HDR-1")
    flags = [f for fault in faults for f in ("--fault", fault)]
    report = _run(tmp_path, "--api", "all", *flags)
    size = report.stat().st_size
    assert size < 2_000_000, f"report.html is {size} bytes"
    found, elapsed = _probe(report, list(faults))
    print(
        f"report.html: {size} bytes; laid out in {found['rendered_ms']:.0f} ms, "
        f"Chromium start to exit {elapsed:.1f} s"
    )
    assert found["rendered_ms"] < 10_000
    assert elapsed < 10
    for clause in faults:
        assert _on_first_screen(found["banner"][clause], found["vh"]), clause
