"""A LogicMonitor portal for tests: a real HTTP server on a socket that answers like REST API v3.

It keeps alerts, devices and groups as LogicMonitor's documented JSON objects
(the field names of the Alert, Device and DeviceGroup models in the public API
reference; the values are made up here), and implements what brainstem uses:

- authentication: ``Authorization: Bearer <token>``, or ``LMv1 id:signature:epoch``
  checked here independently of brainstem's code (HMAC-SHA256 of verb + epoch +
  body + resource path under the access key, base64 of the hex digest, epoch
  within 30 minutes); a wrong one gets 401 and LogicMonitor's error object;
- ``X-Version: 3`` required; v3 list answers ``{"total", "searchId", "items"}``;
- ``size`` (at most 1000) / ``offset`` paging, ``sort=±field``, and ``filter``
  with the operators ``:`` ``!:`` ``>:`` ``<:`` ``>`` ``<`` ``~`` joined by ``,``;
  ``/alert/alerts`` lists only uncleared alerts unless the filter names ``cleared``;
- ``X-Rate-Limit-*`` headers on every answer, and 429s (with or without
  ``Retry-After``) or 5xx queued with :meth:`FakePortal.fail_next`.
"""
from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API = "/santaba/rest"


class FakePortal:
    def __init__(self, *, token: str | None = "bearer-secret", access_id: str | None = None,
                 access_key: str | None = None, rate_limit: int = 500, window: int = 60):
        self.token = token
        self.access_id = access_id
        self.access_key = access_key
        self.alerts: list[dict] = []
        self.devices: list[dict] = []
        self.groups: list[dict] = []
        self.requests: list[dict] = []
        self.rate_limit = rate_limit
        self.window = window
        self.remaining = rate_limit
        self.ignore_offset = False
        self.negative_total = False
        self._failures: list[tuple[int, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- the test's side ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API}"

    def start(self) -> "FakePortal":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, headers: dict[str, str] | None = None, body: dict | str | None = None,
                  times: int = 1) -> None:
        data = body if isinstance(body, str) else json.dumps(body or {"errorMessage": f"HTTP {status}",
                                                                      "errorCode": status})
        with self._lock:
            self._failures.extend([(status, headers or {}, data.encode())] * times)

    def alert(self, alert_id: str) -> dict:
        return next(a for a in self.alerts if a["internalId"] == alert_id)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    # -- the server's side --------------------------------------------------------------------------------
    def _authorized(self, method: str, path: str, headers, body: str) -> bool:
        auth = headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            return self.token is not None and hmac.compare_digest(auth[7:], self.token)
        if auth.startswith("LMv1 ") and self.access_id and self.access_key:
            try:
                access_id, signature, epoch = auth[5:].split(":")
                sent = int(epoch) / 1000.0
            except ValueError:
                return False
            if access_id != self.access_id or abs(time.time() - sent) > 1800:
                return False
            resource = path[len(API):] if path.startswith(API) else path
            mac = hmac.new(self.access_key.encode(), f"{method}{epoch}{body}{resource}".encode(), "sha256")
            expected = base64.b64encode(mac.hexdigest().encode()).decode()
            return hmac.compare_digest(signature, expected)
        return False

    def _answer(self, method: str, raw_path: str, headers, body: str) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        path, query = split.path, {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append({"method": method, "path": path, "query": query,
                                  "auth": (headers.get("Authorization") or "").split(" ")[0]})
            if self.remaining <= 0:
                self.remaining = self.rate_limit
            self.remaining -= 1
            limits = {"X-Rate-Limit-Limit": str(self.rate_limit), "X-Rate-Limit-Remaining": str(self.remaining),
                      "X-Rate-Limit-Window": str(self.window)}
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, extra, data = failure
            return status, {**limits, **extra}, data
        if not self._authorized(method, path, headers, body):
            return 401, limits, _json({"errorMessage": "Authentication failed", "errorCode": 1401,
                                       "errorDetail": None})
        if headers.get("X-Version") != "3":
            return 400, limits, _json({"errorMessage": "X-Version 3 expected", "errorCode": 1400})
        if not path.startswith(API):
            return 404, limits, _json({"errorMessage": "no such path", "errorCode": 1404})
        resource = path[len(API):]
        if resource == "/alert/alerts":
            return self._list(self.alerts, query, limits, alerts=True)
        if resource.startswith("/alert/alerts/"):
            wanted = resource.rsplit("/", 1)[1]
            found = [a for a in self.alerts if a["id"] == wanted]
            if not found:
                return 404, limits, _json({"errorMessage": f"alert {wanted} not found", "errorCode": 1404})
            return 200, limits, _json(found[0])
        if resource == "/device/devices":
            return self._list(self.devices, query, limits)
        if resource == "/device/groups":
            return self._list(self.groups, query, limits)
        return 404, limits, _json({"errorMessage": "no such resource", "errorCode": 1404})

    def _list(self, items: list[dict], query: dict[str, str], limits, *, alerts: bool = False):
        try:
            size = int(query.get("size", 50))
            offset = int(query.get("offset", 0))
        except ValueError:
            return 400, limits, _json({"errorMessage": "bad size or offset", "errorCode": 1400})
        if not 0 < size <= 1000 or offset < 0:
            return 400, limits, _json({"errorMessage": "size must be 1..1000", "errorCode": 1400})
        conditions = _parse_filter(query.get("filter", ""))
        if alerts and not any(c[0] == "cleared" for c in conditions):
            conditions.append(("cleared", ":", "false"))
        with self._lock:
            matched = [dict(i) for i in items if all(_holds(i, *c) for c in conditions)]
        sort = query.get("sort", "")
        if sort:
            field = sort.lstrip("+-")
            matched.sort(key=lambda i: (i.get(field) is None, i.get(field)), reverse=sort.startswith("-"))
        start = 0 if self.ignore_offset else offset
        page = matched[start:start + size]
        total = -1 if self.negative_total else len(matched)
        return 200, limits, _json({"total": total, "searchId": None, "items": page})


def _parse_filter(text: str) -> list[tuple[str, str, str]]:
    out = []
    for part in [p for p in text.split(",") if p]:
        for op in (">:", "<:", "!:", "!~", ":", ">", "<", "~"):
            if op in part:
                field, value = part.split(op, 1)
                out.append((field.strip(), op, value.strip().strip('"')))
                break
        else:
            raise ValueError(f"bad filter {part!r}")
    return out


def _holds(item: dict, field: str, op: str, value: str) -> bool:
    have = item.get(field)
    if value == "*":
        return op == ":"
    if isinstance(have, bool):
        return (str(have).lower() == value.lower()) == (op == ":")
    if isinstance(have, (int, float)):
        n = float(value)
        return {":": have == n, "!:": have != n, ">:": have >= n, "<:": have <= n, ">": have > n,
                "<": have < n}.get(op, False)
    text = str(have or "")
    return {":": text == value, "!:": text != value, "~": value in text, "!~": value not in text}.get(op, False)


def _json(data) -> bytes:
    return json.dumps(data).encode()


def _handler(portal: FakePortal):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            status, headers, data = portal._answer(method, self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


# -- documented shapes, made-up values ---------------------------------------------------------------------
def rest_alert(n: int, *, host: str = "web01", device_id: int = 17, start: int, end: int = 0,
               cleared: bool = False, severity: int = 4, acked: bool = False, acked_epoch: int = 0,
               groups: tuple[str, ...] = ("Customers/Acme/Web",), datasource: str = "WinCPU",
               instance: str = "cpu0", datapoint: str = "CPUBusyPercent", value: str = "97.2",
               clear_value: str = "", session: str | None = None) -> dict:
    """An Alert object as ``GET /alert/alerts`` lists it."""
    return {
        "id": session or f"DS{1000 + n}", "internalId": f"LMD{n}", "type": "dataSourceAlert",
        "severity": severity, "startEpoch": start, "endEpoch": end, "cleared": cleared,
        "acked": acked, "ackedEpoch": acked_epoch, "ackedBy": "nina" if acked else "",
        "ackComment": "looking into it" if acked else "", "sdted": False, "SDT": None,
        "monitorObjectId": device_id, "monitorObjectName": host, "monitorObjectType": "device",
        "monitorObjectGroups": [{"fullPath": g, "name": g.rsplit("/", 1)[-1]} for g in groups],
        "resourceId": 300 + device_id, "resourceTemplateId": 12, "resourceTemplateName": datasource,
        "resourceTemplateType": "DS", "instanceId": 500 + n, "instanceName": instance,
        "instanceDescription": "", "dataPointId": 8, "dataPointName": datapoint, "alertValue": value,
        "threshold": "> 90 95 98", "clearValue": clear_value, "rule": "Critical to NOC", "ruleId": 3,
        "chain": "NOC", "chainId": 2, "subChainId": 0, "nextRecipient": 0, "receivedList": "",
        "detailMessage": {"subject": f"{host} {datapoint}", "body": f"{host} {datasource} {instance} is {value}"},
        "customColumns": {}, "enableAnomalyAlertGeneration": "0,0,0", "enableAnomalyAlertSuppression": "0,0,0",
    }


def rest_device(device_id: int, display: str, *, name: str | None = None,
                groups: tuple[str, ...] = ("Customers/Acme/Web", "Devices by Type/Windows"),
                group_ids: str = "4,9", collector: str = "collector-east-1", collector_id: int = 21,
                props: dict[str, str] | None = None, system_groups: bool = True) -> dict:
    """A Device object as ``GET /device/devices`` lists it."""
    system = [{"name": "system.displayname", "value": display},
              {"name": "system.hostname", "value": name or f"10.0.0.{device_id}"},
              {"name": "system.deviceId", "value": str(device_id)},
              {"name": "system.ips", "value": f"10.0.0.{device_id},fe80::{device_id}"},
              {"name": "system.categories", "value": "snmp,Windows"},
              {"name": "system.collectordesc", "value": collector},
              {"name": "system.sysinfo", "value": "Windows Server 2022 Datacenter"}]
    if system_groups:
        system.append({"name": "system.groups", "value": ",".join(groups)})
    custom = [{"name": k, "value": v} for k, v in (props or {"site": "Dublin", "snmp.community": "********"}).items()]
    return {
        "id": device_id, "name": name or f"10.0.0.{device_id}", "displayName": display, "description": "",
        "deviceType": 0, "hostGroupIds": group_ids, "hostStatus": "normal", "currentCollectorId": collector_id,
        "preferredCollectorId": collector_id, "collectorDescription": collector,
        "link": "", "createdOn": 1700000000, "updatedOn": 1700000000, "systemProperties": system,
        "customProperties": custom, "autoProperties": [{"name": "auto.os", "value": "Windows"}],
        "inheritedProperties": [{"name": "location", "value": "Dublin, IE"}],
    }
