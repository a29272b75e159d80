"""`penmark serve` end to end: the server answers with textual-serve's page and a browser session runs penmark."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_cli import REPO, Penmark  # tests/cli is on sys.path (rootdir-relative imports)

aiohttp = pytest.importorskip("aiohttp")  # textual-serve's own dependency
pytest.importorskip("textual_serve")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _page(url: str, deadline: float) -> str:
    """The page at ``url`` once the server answers, or a failure at ``deadline``."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


async def _session_screen(ws_url: str) -> str:
    """What a browser session's app draws, up to the first sample article's title or 8 s."""
    screen = b""
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{ws_url}?width=120&height=40") as ws:
        loop = asyncio.get_running_loop()
        until = loop.time() + 8
        while b"Missile" not in screen and loop.time() < until:
            message = await ws.receive(timeout=until - loop.time())
            if message.type != aiohttp.WSMsgType.BINARY:
                break
            screen += message.data
    return screen.decode(errors="replace")


def test_serve_answers_with_the_page_and_runs_penmark_per_session(tmp_path: Path) -> None:
    penmark = Penmark(tmp_path / "served.db", tmp_path / "home")
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "tui", "--db", str(penmark.db), "serve", "--port", str(port)],
            cwd=REPO, env=penmark.env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        page = _page(f"http://127.0.0.1:{port}/", time.monotonic() + 15)
        assert "penmark" in page
        ws_url = f"ws://127.0.0.1:{port}/ws"
        assert f'data-session-websocket-url="{ws_url}"' in page

        screen = asyncio.run(_session_screen(ws_url))
        assert "Missile" in screen, screen[-2000:]  # the samples, imported by serve into the empty database
        assert penmark.listed(), "serve imports the samples into an empty database"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail("penmark serve did not exit on SIGTERM")
    text = log.read_text()
    assert f"open http://127.0.0.1:{port} in a browser" in text
    assert f"serving {penmark.db} as cli-tester" in text


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    penmark = Penmark(tmp_path / "served.db", tmp_path / "home")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = penmark("serve", "--port", str(port), check=2)
    assert done.stderr == f"penmark: port {port} on 127.0.0.1 is already in use (choose another with --port)\n"
    assert done.stdout == ""


def test_every_interface_prints_an_address_a_browser_can_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.0.0.0 and :: are where to listen, not where to browse: the machine's name is given instead
    (worked out without binding anything)."""
    from tui import cli

    monkeypatch.setattr("socket.gethostname", lambda: "annotate-box")
    assert cli.browse_url("0.0.0.0", 8000) == "http://annotate-box:8000"
    assert cli.browse_url("::", 8001) == "http://annotate-box:8001"
    assert cli.browse_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert cli.browse_url("::1", 8000) == "http://[::1]:8000"
    assert cli.browse_url("localhost", 8000) == "http://localhost:8000"
