"""The HTML viewer in a real headless Chromium, driven over the DevTools protocol.

Chromium's ``--remote-debugging-pipe`` reads NUL-terminated JSON commands on fd 3 and
answers on fd 4, so a few lines of Python drive it without Selenium or Playwright: load the
exported page from ``file://``, read the SVG, click a node with real mouse events, read the
side panel, save a screenshot. Skipped when no Chromium is installed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from iacscan.export import html
from iacscan.export.view import build_view
from iacscan.scan import ScanOptions, scan

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


class Browser:
    """A minimal DevTools-protocol client over Chromium's pipe transport."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends on the fds Chromium expects
            reading, writing = os.dup(to_chrome_r), os.dup(from_chrome_w)  # above 4
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "--window-size=1400,900",
                "about:blank",
            ],
            pass_fds=(3, 4),  # else closed after preexec_fn has put the pipes there
            preexec_fn=wire,  # noqa: PLW1509 (the tests start no threads)
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.session = ""

    def send(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return dict(reply.get("result", {}))

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 20)
            assert chunk, "chromium closed the pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(message))

    def open(self, url: str) -> None:
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = next(t["targetId"] for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", False, targetId=page, flatten=True)[
            "sessionId"
        ]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", url=url)
        for _ in range(200):
            if self.evaluate("document.readyState") == "complete":
                return
        raise AssertionError("the page did not load")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                      windowsVirtualKeyCode=13)  # fmt: skip

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Ask Chromium to quit (it may close the pipe before answering), then reap it."""
        message = {"id": self._next + 1, "method": "Browser.close", "params": {}}
        try:
            os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=30)
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = scan([FIXTURES / "graph"], ScanOptions(use_cache=False))
    target = tmp_path_factory.mktemp("html") / "graph.html"
    assert result.facts is not None
    target.write_text(html.render(build_view(result.facts, result.findings)), encoding="utf-8")
    return target


NODE_CENTRE = """(() => {
  const node = document.querySelector('[data-id="%s"] rect');
  const canvas = document.getElementById("canvas");
  const box = node.getBoundingClientRect(), view = canvas.getBoundingClientRect();
  canvas.scrollLeft += box.left - view.left - canvas.clientWidth / 2;
  canvas.scrollTop += box.top - view.top - canvas.clientHeight / 2;
  const r = node.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
})()"""


SELECTED = "[...document.querySelectorAll('.selected')].map(g => g.dataset.id)"
FACTS = "[...document.querySelectorAll('#panel dd')].map(d => d.textContent)"
PATH_EDGES = "[...document.querySelectorAll('path.edge.on-path')].map(e => e.dataset.s + ' > ' + e.dataset.t)"
PATH_NODES = "[...document.querySelectorAll('g.node.on-path')].map(g => g.dataset.id)"


def check_drawing(browser: Browser) -> None:
    """The SVG has the fixture's nodes, boxes and root-module frames."""
    ids = browser.evaluate(
        "[...document.querySelectorAll('svg .node')].map(g => g.dataset.id).sort()"
    )
    assert "internet" in ids
    assert {"shop:aws_lb.web", "shop:aws_db_instance.orders", "tools:service.proxy"} <= set(ids)
    boxes = browser.evaluate(
        "[...document.querySelectorAll('svg .box[data-id]')].map(g => g.dataset.id).sort()"
    )
    assert boxes == [
        "project:tools",
        "shop:aws_subnet.private[0]",
        "shop:aws_subnet.private[1]",
        "shop:aws_subnet.public[0]",
        "shop:aws_vpc.main",
        "tools:network.back",
        "tools:network.front",
    ]
    roots = browser.evaluate("[...document.querySelectorAll('.root-box')].map(g => g.textContent)")
    assert roots == ["root module shop", "root module tools"]


def check_search(browser: Browser) -> None:
    """Typing filters by address; Enter selects the first match."""
    browser.evaluate("document.getElementById('search').focus()")
    browser.send("Input.insertText", text="bastion")
    assert browser.evaluate("document.getElementById('matches').textContent") == "3 found"
    browser.press_enter()
    assert browser.evaluate(SELECTED) == ["shop:aws_instance.bastion"]
    assert browser.evaluate("document.querySelector('#panel h2').textContent") == (
        "aws_instance.bastion"
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_viewer_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page.as_uri())
        check_drawing(browser)
        x, y = browser.evaluate(NODE_CENTRE % "shop:aws_instance.app[0]")
        browser.click(x, y)
        assert browser.evaluate(SELECTED) == ["shop:aws_instance.app[0]"]
        assert browser.evaluate(FACTS) == [
            "aws_instance", "OPEN", "none", "shop:aws_subnet.private[0]", "shop/workloads.tf:31",
        ]  # fmt: skip
        panel = browser.evaluate("document.getElementById('panel').innerText")
        assert panel.startswith("aws_instance.app[0]\n")
        assert "IPv4 tcp 8080: OPEN from 0.0.0.0/0 via internet > aws_lb.web" in panel
        assert "from aws_instance.bastion: tcp 22 OPEN" in panel
        assert '"instance_type": "t3.small"' in panel
        assert browser.evaluate(PATH_EDGES) == [
            "internet > shop:aws_lb.web", "shop:aws_lb.web > shop:aws_instance.app[0]",
        ]  # fmt: skip
        assert browser.evaluate(PATH_NODES) == ["internet", "shop:aws_lb.web"]
        browser.screenshot(tmp_path / "viewer.png")
        check_search(browser)
    finally:
        browser.close()
    assert (tmp_path / "viewer.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
