"""The LogicMonitor REST client against a real local server that checks what LogicMonitor checks."""
from __future__ import annotations

import socket
import time
from email.utils import formatdate

import pytest

from brainstem.sources.lm_rest import (
    LogicMonitorAuthError, LogicMonitorClient, LogicMonitorError, LogicMonitorNotFound, LogicMonitorRateLimited,
    join_filters, lmv1_signature,
)
from tests.sources.lm_portal import FakePortal, rest_alert

START = 1_764_489_600


@pytest.fixture
def portal():
    p = FakePortal(token="bearer-secret", access_id="AID42", access_key="k3y=with/odd+chars").start()
    yield p
    p.stop()


def client(portal, sleeps=None, **kw) -> LogicMonitorClient:
    kw.setdefault("token", "bearer-secret")
    return LogicMonitorClient(base_url=portal.url, sleep=(sleeps.append if sleeps is not None else None) or
                              (lambda s: None), **kw)


def test_bearer_paging_walks_every_page(portal):
    portal.alerts = [rest_alert(i, start=START + i) for i in range(2350)]
    with client(portal, page_size=1000) as c:
        got = list(c.paged("/alert/alerts", {"sort": "+startEpoch"}))
    assert [a["internalId"] for a in got] == [f"LMD{i}" for i in range(2350)]
    pages = [r["query"] for r in portal.requests]
    assert [q["offset"] for q in pages] == ["0", "1000", "2000"]
    assert all(q["size"] == "1000" for q in pages) and all(r["auth"] == "Bearer" for r in portal.requests)


def test_a_negative_total_does_not_stop_paging(portal):
    portal.alerts = [rest_alert(i, start=START + i) for i in range(25)]
    portal.negative_total = True
    with client(portal, page_size=10) as c:
        assert len(list(c.paged("/alert/alerts"))) == 25
    assert len(portal.requests) == 3


def test_a_server_that_ignores_offset_is_an_error_not_a_loop(portal):
    portal.alerts = [rest_alert(i, start=START + i) for i in range(30)]
    portal.ignore_offset = True
    with client(portal, page_size=10) as c, pytest.raises(LogicMonitorError, match="paging is not working"):
        list(c.paged("/alert/alerts"))


def test_lmv1_signature_is_accepted(portal):
    portal.alerts = [rest_alert(1, start=START)]
    with LogicMonitorClient(base_url=portal.url, access_id="AID42", access_key="k3y=with/odd+chars") as c:
        assert c.get("/alert/alerts")["items"][0]["internalId"] == "LMD1"
    assert portal.requests[-1]["auth"] == "LMv1"


def test_lmv1_with_a_wrong_key_is_refused_by_the_server(portal):
    with LogicMonitorClient(base_url=portal.url, access_id="AID42", access_key="wrong") as c:
        with pytest.raises(LogicMonitorAuthError, match="401.*Authentication failed"):
            c.get("/alert/alerts")


def test_lmv1_signs_the_resource_path_not_the_query():
    # the documented recipe: base64 of the hex HMAC-SHA256 of verb + epoch + body + resource path
    import base64
    import hashlib
    import hmac
    want = base64.b64encode(hmac.new(b"key", b"GET1700000000000/alert/alerts", hashlib.sha256)
                            .hexdigest().encode()).decode()
    assert lmv1_signature("key", "get", "1700000000000", "/alert/alerts") == want
    assert lmv1_signature("key", "GET", "1700000000000", "/alert/alerts", "{}") != want


def test_401_is_a_clear_error(portal):
    with client(portal, token="expired") as c:
        with pytest.raises(LogicMonitorAuthError) as e:
            c.get("/device/devices")
    msg = str(e.value)
    assert "401" in msg and "bearer token" in msg and "GET /device/devices" in msg
    assert len(portal.requests) == 1          # a refused credential is not retried


def test_429_waits_for_retry_after_then_succeeds(portal):
    portal.alerts = [rest_alert(1, start=START)]
    portal.fail_next(429, {"Retry-After": "7"}, times=2)
    sleeps: list[float] = []
    with client(portal, sleeps) as c:
        assert c.get("/alert/alerts")["total"] == 1
        assert c.stats["rate_limited"] == 2
    assert sleeps == [7.0, 7.0]
    assert len(portal.requests) == 3


def test_429_with_an_http_date_and_without_retry_after(portal):
    portal.fail_next(429, {"Retry-After": formatdate(time.time() + 5, usegmt=True)})
    portal.fail_next(429, {})           # no Retry-After: the announced window (60 s here)
    sleeps: list[float] = []
    with client(portal, sleeps) as c:
        c.get("/device/devices")
    assert 3 <= sleeps[0] <= 5 and sleeps[1] == 60.0


def test_429_for_ever_gives_up_with_a_rate_limit_error(portal):
    portal.fail_next(429, {"Retry-After": "1"}, times=50)
    with client(portal, [], max_retries=3) as c, pytest.raises(LogicMonitorRateLimited, match="429"):
        c.get("/alert/alerts")
    assert len(portal.requests) == 4


def test_a_wait_longer_than_allowed_is_not_slept(portal):
    portal.fail_next(429, {"Retry-After": "86400"})
    sleeps: list[float] = []
    with client(portal, sleeps, max_wait=300) as c, pytest.raises(LogicMonitorRateLimited, match="86400"):
        c.get("/alert/alerts")
    assert sleeps == []


def test_remaining_zero_waits_the_window_before_the_next_request(portal):
    portal.rate_limit = portal.remaining = 1  # every answer says 0 remaining
    portal.window = 30
    sleeps: list[float] = []
    with client(portal, sleeps) as c:
        c.get("/device/devices")
        assert sleeps == []
        c.get("/device/devices")
    assert sleeps == [30.0]
    assert c.rate_limit["remaining"] == 0 and c.rate_limit["window"] == 30


def test_server_errors_are_retried(portal):
    portal.fail_next(503, times=2)
    sleeps: list[float] = []
    with client(portal, sleeps) as c:
        assert c.get("/device/devices")["items"] == []
    assert sleeps == [1.0, 2.0]


def test_not_found_and_not_json(portal):
    with client(portal) as c:
        with pytest.raises(LogicMonitorNotFound, match="alert DS9 not found"):
            c.get("/alert/alerts/DS9")
        portal.fail_next(200, body="<html>maintenance</html>")
        with pytest.raises(LogicMonitorError, match="not JSON"):
            c.get("/alert/alerts")


def test_v2_envelope_is_unwrapped_and_its_errors_raised(portal):
    portal.fail_next(200, body='{"status": 200, "errmsg": "OK", "data": {"total": 0, "items": []}}')
    portal.fail_next(200, body='{"status": 1401, "errmsg": "Authentication failed", "data": null}')
    with client(portal) as c:
        assert c.get("/alert/alerts") == {"total": 0, "items": []}
        with pytest.raises(LogicMonitorAuthError, match="Authentication failed"):
            c.get("/alert/alerts")


def test_an_unreachable_portal_is_a_clear_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    sleeps: list[float] = []
    c = LogicMonitorClient(base_url=f"http://127.0.0.1:{port}/santaba/rest", token="t", max_retries=2,
                           sleep=sleeps.append)
    with pytest.raises(LogicMonitorError, match="cannot connect.*3 attempts"):
        c.get("/alert/alerts")
    assert len(sleeps) == 2


def test_constructor_errors():
    with pytest.raises(ValueError, match="credentials missing"):
        LogicMonitorClient(company="acme")
    with pytest.raises(ValueError, match="not both"):
        LogicMonitorClient(company="acme", token="t", access_id="a", access_key="k")
    with pytest.raises(ValueError, match="not a portal name"):
        LogicMonitorClient(company="acme.logicmonitor.com/x", token="t")
    assert LogicMonitorClient(company="acme", token="t").http.base_url.host == "acme.logicmonitor.com"


def test_join_filters():
    assert join_filters('cleared:"*"', None, " ", "startEpoch>:5") == 'cleared:"*",startEpoch>:5'
