"""A desktop's syslog over five working days, without incidents: ordinary logs of another shape.

Nothing here should reach the review queue. A laptop is on from about 08:30
to 18:00 on weekdays, suspends over lunch, and logs what desktops log: a boot
full of firmware and driver complaints, a resume that reconnects the Wi-Fi,
desktop daemons that report errors all day (a sync daemon whose pings time
out in clumps when the network is slow, a shell extension, an indexer),
DHCP renewals, anacron at boot. About 400 lines a day, RFC 3164 without
PRI as rsyslog writes /var/log/syslog. Seeded: the same seed gives the same
bytes.
"""
from __future__ import annotations

import os
import random
import time
from datetime import datetime, timezone
from pathlib import Path

from brainstem.demo.noise import MONS

HOST = "ana-thinkpad"

BOOT = [
    ("kernel", "ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0.XHC.RHUB.HS11], AE_NOT_FOUND (20210730/dswload2-162)"),
    ("kernel", "ACPI Error: AE_NOT_FOUND, During name lookup/catalog (20210730/psobject-220)"),
    ("kernel", "iwlwifi 0000:00:14.3: Direct firmware load for iwlwifi-so-a0-gf-a0-72.ucode failed with error -2"),
    ("kernel", "Bluetooth: hci0: Malformed MSFT vendor event: 0x02"),
    ("kernel", "usb 3-6: device descriptor read/64, error -71"),
    ("systemd", "Started Network Manager."),
    ("systemd", "Starting Load/Save RF Kill Switch Status..."),
    ("bluetoothd", "Failed to set mode: Blocked through rfkill (0x12)"),
    ("gnome-shell", "Failed to initialize accelerated iGPU/dGPU framebuffer sharing: Not hardware accelerated"),
    ("gdm-password]", "gkr-pam: unable to locate daemon control file"),
    ("anacron", "Anacron 2.3 started on {date}"),
    ("anacron", "Job `cron.daily' started"),
    ("anacron", "Job `cron.daily' terminated"),
    ("pulseaudio", "GetManagedObjects() failed: org.freedesktop.DBus.Error.NoReply: Did not receive a reply."),
]
RESUME = [
    ("kernel", "PM: suspend exit"),
    ("NetworkManager", "<info>  [{ts:.4f}] manager: NetworkManager state is now CONNECTED_GLOBAL"),
    ("wpa_supplicant", "wlp0s20f3: CTRL-EVENT-CONNECTED - Connection to 3c:37:12:aa:bb:cc completed [id=0 id_str=]"),
    ("gnome-shell", "JS ERROR: TypeError: this._item is null _updateTimeZone@resource:///org/gnome/shell/ui/dateMenu.js:212:9"),
]
DAYTIME = [  # (weight, program, message)
    (6, "gnome-shell", "JS ERROR: Exception in callback for signal: notify::window-created: TypeError: window is null"),
    (4, "tracker-miner-fs-3", "Could not process 'file:///home/ana/Downloads/report-{n}.pdf': Error when getting information for file: No such file"),
    (3, "NetworkManager", "<info>  [{ts:.4f}] dhcp4 (wlp0s20f3): state changed extended -> extended, address=192.168.1.{n2}"),
    (3, "nextcloud", "Sync error: Server replied \"504 Gateway Timeout\" to \"PROPFIND https://cloud.example.org/remote.php/dav/files/ana/\""),
    (2, "snapd", "storehelpers.go:{n2}: cannot refresh snap \"firefox\": snap \"firefox\" has running apps (firefox)"),
    (2, "systemd-resolved", "Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 192.168.1.1."),
    (2, "org.gnome.Shell.desktop", "libinput error: event7  - SYNA8004:00 06CB:CD8B Touchpad: kernel bug: Touch jump detected and discarded."),
    (1, "wpa_supplicant", "wlp0s20f3: CTRL-EVENT-BEACON-LOSS"),
    (1, "CRON", "(root) CMD (   test -x /etc/cron.daily/popularity-contest && /etc/cron.daily/popularity-contest --crond)"),
]
PING = "kdeconnectd: Ping timeout for device \"Pixel 7\" (9f2c41aa): link lost, retrying"


def generate(path: Path, *, seed: int = 1, days: int = 5,
             start: datetime = datetime(2026, 3, 2, tzinfo=timezone.utc)) -> Path:
    """Write the laptop's syslog to ``path`` and return it."""
    rng = random.Random(f"{seed}:laptop")
    lines: list[tuple[float, str, str]] = []
    pid = 1000

    def add(ts: float, prog: str, msg: str) -> None:
        nonlocal pid
        pid += rng.randint(1, 40)
        text = msg.format(ts=ts, n=rng.randint(1, 90), n2=rng.randint(2, 250),
                          date=datetime.fromtimestamp(ts, timezone.utc).strftime("%a %b %d %Y"))
        lines.append((ts, prog if prog in ("kernel",) else f"{prog}[{pid}]", text))

    weights = [w for w, _, _ in DAYTIME]
    for d in range(days):
        day = start.timestamp() + d * 86400
        on = day + rng.uniform(8.0, 9.5) * 3600
        lunch = day + rng.uniform(12.0, 13.0) * 3600
        back = lunch + rng.uniform(0.6, 1.2) * 3600
        off = day + rng.uniform(17.0, 19.0) * 3600
        t = on
        for prog, msg in BOOT:
            add(t, prog, msg)
            t += rng.uniform(0.2, 6)
        add(back, *RESUME[0])
        for prog, msg in RESUME[1:]:
            add(back + rng.uniform(2, 40), prog, msg)
        for a, b in ((on, lunch), (back, off)):
            t = a + 60
            while t < b:
                t += rng.expovariate(1 / 140)
                _, prog, msg = rng.choices(DAYTIME, weights)[0]
                add(t, prog, msg)
                if rng.random() < 0.004:        # the network is slow: the phone's pings time out in a clump
                    for i in range(rng.randint(15, 40)):
                        add(t + i * rng.uniform(5, 12), "kdeconnectd", PING.split(": ", 1)[1])
                if prog == "wpa_supplicant" and rng.random() < 0.5:
                    add(t + 1, "wpa_supplicant", "wlp0s20f3: CTRL-EVENT-DISCONNECTED bssid=3c:37:12:aa:bb:cc reason=4")
                    add(t + rng.uniform(3, 20), "wpa_supplicant",
                        "wlp0s20f3: CTRL-EVENT-CONNECTED - Connection to 3c:37:12:aa:bb:cc completed [id=0 id_str=]")
            add(b, "kernel", "PM: suspend entry (s2idle)")
    lines.sort(key=lambda x: x[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for ts, prog, msg in lines:
            g = time.gmtime(ts)
            f.write(f"{MONS[g.tm_mon - 1]} {g.tm_mday:2d} {g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} {HOST} {prog}: {msg}\n")
    end = start.timestamp() + days * 86400
    os.utime(path, (end, end))
    return path
