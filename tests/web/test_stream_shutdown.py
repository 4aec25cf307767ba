"""A live queue's open event stream never holds `brainstem serve` up: on SIGTERM the
stream ends and the process exits (a real serve process, a real HTTP connection)."""
from __future__ import annotations

import re
import threading
import time

import httpx

from tests.service.harness import LIVE, Served

from brainstem.workspace import Workspace


def test_sigterm_ends_an_open_stream_and_the_process_exits(tmp_path):
    db = tmp_path / "s.db"
    with Workspace(db) as ws:
        ws.tenant("acme", create=True)
        token = ws.create_key("acme", name="t")[1]
    s = Served(tmp_path, "[brainstem]\nweb_stream_seconds = 600.0\nweb_stream_poll_seconds = 0.2\n",
               args=("--http", "127.0.0.1:0"), db=db).start()
    try:
        c = httpx.Client(base_url=f"http://{s.http}", timeout=30)
        form = c.get("/login")
        lt = re.search(r'name="login_token" value="([^"]+)"', form.text).group(1)
        assert c.post("/login", data={"token": token, "login_token": lt}).status_code == 303
        got: list[str] = []
        ended = threading.Event()

        def read():
            try:
                with c.stream("GET", "/queue/stream") as r:
                    for line in r.iter_lines():
                        got.append(line)
            except httpx.HTTPError:
                pass
            ended.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 20
        while not any(x.startswith("data: ") for x in got) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(x.startswith("data: ") for x in got), got
        t0 = time.monotonic()
        assert s.stop(timeout=30) == 0
        assert time.monotonic() - t0 < 15 and ended.wait(5)
    finally:
        s.kill()
        if s in LIVE:
            LIVE.remove(s)
