"""Run `brainstem serve` as a real process and talk to it over real sockets."""
from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path


LIVE: list["Served"] = []      # killed after each test by tests/service/conftest.py, even when it failed


class Served:
    """A `brainstem serve` process; ``ports`` maps listener names to their bound ports."""

    def __init__(self, tmp: Path, config: str = "", args: tuple[str, ...] = (), db: Path | None = None,
                 env: dict | None = None, command: str = "serve"):
        self.tmp = tmp
        self.db = db or tmp / "serve.db"
        self.config = tmp / "brainstem.toml"
        self.config.write_text(config)
        self.args = args
        self.command = command
        self.env = dict(os.environ, PYTHONWARNINGS="ignore", **(env or {}))
        self.env.pop("BRAINSTEM_DB", None)
        self.proc: subprocess.Popen | None = None
        self.lines: list[dict] = []
        self.ports: dict[str, int] = {}
        self.http: str | None = None
        self._ready = threading.Event()
        self._admin_token: str | None = None

    def start(self, timeout: float = 60.0) -> "Served":
        cmd = [sys.executable, "-m", "brainstem", self.command, "--db", str(self.db), "--config", str(self.config),
               *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.env)
        LIVE.append(self)
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self._ready.wait(timeout):
            self.kill()
            raise AssertionError("brainstem serve did not become ready:\n" + self.log_text())
        return self

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            try:
                rec = json.loads(line)
            except ValueError:
                rec = {"msg": line.rstrip()}
            self.lines.append(rec)
            if rec.get("event") == "ready":
                self.ports = {k: int(v.rsplit(":", 1)[1]) for k, v in rec["listeners"].items()}
                self.http = rec.get("http")
                self._ready.set()

    def log_text(self) -> str:
        return "\n".join(json.dumps(x) for x in self.lines)

    def logged(self, needle: str) -> list[dict]:
        return [x for x in self.lines if needle in x.get("msg", "")]

    def stop(self, timeout: float = 60.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def admin_token(self) -> str:
        """An admin API key's token (/metrics names every tenant, so it needs one)."""
        if self._admin_token is None:
            from brainstem.workspace import Workspace
            with Workspace(self.db) as ws:
                self._admin_token = ws.create_key("ops", name="harness", admin=True)[1]
        return self._admin_token

    def metrics(self) -> dict[str, float]:
        import httpx
        out = {}
        auth = {"Authorization": f"Bearer {self.admin_token()}"}
        for line in httpx.get(f"http://{self.http}/metrics", headers=auth, timeout=10).text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out


def events(db: Path, tenant: str | None = None) -> list[tuple]:
    """(tenant slug, host, service, message_normalized) of every stored event."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT t.slug, e.host, e.service, e.message_normalized FROM events e "
                            "JOIN tenants t ON t.tenant_id = e.tenant_id ORDER BY e.rowid").fetchall()
    finally:
        conn.close()
    return [r for r in rows if tenant is None or r[0] == tenant]


def wait_for(pred, timeout: float = 30.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)


def count_events(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=30)
        try:
            return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def tcp_send(port: int, payload: bytes, host: str = "127.0.0.1") -> None:
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(payload)


def octet(msg: str | bytes) -> bytes:
    b = msg.encode() if isinstance(msg, str) else msg
    return str(len(b)).encode() + b" " + b
