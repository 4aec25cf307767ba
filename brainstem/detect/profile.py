"""What is usual for a tenant: when it logs at all, and when each signature does.

The profile is the first detector every event passes through. It raises
nothing itself; it keeps, on event time, the picture the other detectors and
the scorer judge "unusual" against:

- the tenant's **active hours**: per day, a 24-bit mask of the hours in which
  the tenant logged anything (a laptop that is off at night has no night);
- per signature, the same mask of the hours it appeared in, and which of those
  hours it appeared in only while the tenant was **starting up**: within
  ``startup_seconds`` after a silence of ``silence_seconds``, when the tenant
  then stays awake for ``confirm_seconds`` (a boot, a resume after lunch;
  a nightly job on an otherwise quiet host logs and falls silent again, and
  its marks are undone). What a host prints when it wakes up follows the
  host, not the clock;
- the assets seen lately, and when the tenant's history began.

From these it answers ``background(key, ts)``: the share of the tenant's
active hours of the last ``background_hours`` in which the signature appeared
(1.0 for chatter that is always there, 0.04 for a nightly job; above
``STEADY`` a signature is *steady*, judged once an hour, and the precursor
detector leaves it alone), and ``facts(...)``, the context every finding
carries into its score. Masks are
kept for the last ``keep_days`` days, so state is bounded by signatures times
days.
"""
from __future__ import annotations

from typing import Any

from brainstem.detect.base import Detector, Finding, Observation

HOUR = 3600
DAY_HOURS = 24
_MAX_ASSETS = 20_000
_NOTHING: list = []         # the profile never finds anything; one shared empty answer (callers only read it)
STEADY = 0.5                # a signature in more than this share of the tenant's hours is steady background


class _SigProfile:
    __slots__ = ("first", "cell", "days", "changes", "steady")

    def __init__(self, first: float | int):
        self.first = first
        self.cell = -1
        self.days: dict[int, list[int]] = {}     # day -> [hour mask, startup-hour mask]
        self.changes = 0                         # mask changes, for the background cache (not saved)
        self.steady = False                      # background share above STEADY, as of its latest hour


class ActivityProfile(Detector):
    name = "profile"
    state_version = 2

    def __init__(self, *, keep_days: int = 35, background_hours: int = 72, silence_seconds: float = 1800,
                 startup_seconds: float = 900, confirm_seconds: float = HOUR):
        self.keep_days = keep_days
        self.background_hours = background_hours
        self.silence = float(silence_seconds)
        self.startup_seconds = float(startup_seconds)
        self.confirm_seconds = float(confirm_seconds)
        self.waking: list[list[Any]] | None = None     # start-up marks of a wake-up not yet confirmed
        self.first_ts: float | None = None
        self.last_ts: float | int = 0.0
        self.awake_since: float | int = float("-inf")     # the input's own beginning is not a wake-up
        self.cell = -1
        self.days: dict[int, int] = {}
        self.sigs: dict[str, _SigProfile] = {}
        self.assets: dict[str, float] = {}
        self.fleet = 1          # assets active in the last day, recounted at each new hour
        # background() is a pure function of the masks: remembered until they change (never saved)
        self._version = 0
        self._background: dict[str, tuple[tuple[int, int, int], float]] = {}
        # what the event just learned did, for the detectors that run after the profile
        self.fresh = False      # it opened a new hour for its signature
        self.created = False    # it is the signature's first event
        self.startup = False    # it came while the tenant was starting up
        self.steady = False     # its signature is steady background (judged once an hour)
        self.hour = -1          # its hour, int(ts // HOUR)
        # [start, end) of the hour self.cell in seconds: an event inside it needs no division
        self._cell_span = (float("inf"), float("-inf"))

    # -- learning ------------------------------------------------------------------
    def learn_one(self, obs: Observation) -> list[Finding]:
        ts = obs.ts
        if self.first_ts is None:
            self.first_ts = self.last_ts = ts
        elif ts - self.last_ts >= self.silence:
            if self.waking is not None:
                self._blip()        # the last wake-up fell silent again soon: a blip, not a start-up
            self.awake_since = ts
            self.waking = []
        if ts > self.last_ts:
            self.last_ts = ts
        startup = self.startup = ts - self.awake_since < self.startup_seconds
        if self.waking is not None and ts - self.awake_since >= self.confirm_seconds:
            self.waking = None      # it stayed awake: a real start-up, its marks stay
        lo, hi = self._cell_span
        if lo <= ts < hi:
            cell = self.hour = self.cell      # the latest hour, as most events are
        else:
            cell = self.hour = self._new_cell(ts)
        assets = self.assets
        assets[obs.asset] = ts
        if len(assets) > _MAX_ASSETS:
            self._prune_assets()
        s = self.sigs.get(obs.signature_key)
        self.created = s is None
        if s is None:
            s = self.sigs[obs.signature_key] = _SigProfile(ts)
        if cell == s.cell:
            self.fresh = False
            self.steady = s.steady
            return _NOTHING
        return self._sig_hour(obs, s, cell, startup)

    def _new_cell(self, ts: float) -> int:
        """The hour of an event outside the latest hour: a new hour for the tenant, or a late event."""
        cell = int(ts // HOUR)
        if cell != self.cell:
            if cell > self.cell:
                self.cell = cell
                self._cell_span = (cell * float(HOUR), (cell + 1) * float(HOUR))
                since = ts - 86400
                self.fleet = sum(1 for last in self.assets.values() if last >= since) or 1
            day = cell // DAY_HOURS
            mask = self.days.get(day)
            if mask is None:
                self.days[day] = 1 << (cell % DAY_HOURS)
                if len(self.days) > self.keep_days:
                    self._prune(self.days)
                self._version += 1
            elif not mask & 1 << (cell % DAY_HOURS):
                self.days[day] = mask | 1 << (cell % DAY_HOURS)
                self._version += 1
        return cell

    def _sig_hour(self, obs: Observation, s: _SigProfile, cell: int, startup: bool) -> list[Finding]:
        """The signature's first event in a while in hour ``cell`` (or an older event of a new hour)."""
        ts = obs.ts
        s.cell = cell
        day = cell // DAY_HOURS
        bit = 1 << (cell % DAY_HOURS)
        entry = s.days.get(day)
        if entry is None:
            entry = s.days[day] = [0, 0]
            if len(s.days) > self.keep_days:
                self._prune(s.days)
        if entry[0] & bit:
            self.fresh = False      # an older event of an hour already seen
            self.steady = s.steady
            return _NOTHING
        entry[0] |= bit
        if startup:
            entry[1] |= bit
            if self.waking is not None:
                self.waking.append([obs.signature_key, day, bit])
        s.changes += 1
        self.fresh = True
        self.steady = s.steady = self.background(obs.signature_key, ts) > STEADY
        return _NOTHING

    def tentative(self, key: str) -> dict[int, int]:
        """Start-up marks of ``key`` in a wake-up not yet confirmed (day -> hour bits)."""
        out: dict[int, int] = {}
        for k, day, bit in self.waking or ():
            if k == key:
                out[day] = out.get(day, 0) | bit
        return out

    def _blip(self) -> None:
        """Undo the start-up marks of a wake-up that did not last (a job on a quiet host, not a boot)."""
        assert self.waking is not None  # learn_one calls it only during a wake-up
        for key, day, bit in self.waking:
            s = self.sigs.get(key)
            if s is None:
                continue
            entry = s.days.get(day)
            if entry is not None and entry[1] & bit:
                entry[1] &= ~bit
                s.changes += 1
        self.waking = None

    def _prune(self, days: dict) -> None:
        newest = max(days)
        for d in [d for d in days if d <= newest - self.keep_days]:
            del days[d]

    def _prune_assets(self) -> None:
        keep = sorted(self.assets.items(), key=lambda kv: (-kv[1], kv[0]))[:_MAX_ASSETS // 2]
        self.assets = dict(keep)

    # -- what the other detectors and the scorer ask ------------------------------------
    def signature(self, key: str) -> _SigProfile | None:
        return self.sigs.get(key)

    def background(self, key: str, ts: float) -> float:
        """Share of the tenant's active hours of the last ``background_hours`` in which ``key`` appeared."""
        s = self.sigs.get(key)
        if s is None:
            return 0.0
        end = int(ts // HOUR)
        stamp = (end, s.changes, self._version)
        known = self._background.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        start = end - self.background_hours + 1
        mine = total = 0
        for day in range(start // DAY_HOURS, end // DAY_HOURS + 1):
            lo = max(start - day * DAY_HOURS, 0)
            hi = min(end - day * DAY_HOURS, DAY_HOURS - 1)
            window = ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1)
            total += (self.days.get(day, 0) & window).bit_count()
            entry = s.days.get(day)
            if entry:
                mine += (entry[0] & window).bit_count()
        share = mine / total if total else 0.0
        self._background[key] = (stamp, share)
        return share

    def history_hours(self, ts: float) -> float:
        """How much of the tenant's history lies before ``ts``."""
        return max(ts - self.first_ts, 0.0) / HOUR if self.first_ts is not None else 0.0

    def awake_hours(self, ts: float) -> float:
        """How long the tenant has been logging without a silence (all its history if it never fell silent)."""
        if self.awake_since == float("-inf"):
            return self.history_hours(ts)
        return max(ts - self.awake_since, 0.0) / HOUR

    def novelty(self, key: str, at: float) -> float:
        """1 when the signature first appeared at ``at``, 0 when the tenant has always known it.

        0.5 while the tenant has less than a day of history to judge by.
        """
        s = self.sigs.get(key)
        if s is None or self.first_ts is None:
            return 1.0
        history = at - self.first_ts
        if history < 86400:
            return 0.5
        return round(1.0 - min(max(at - s.first, 0.0) / history, 1.0), 4)

    def active_assets(self) -> int:
        """Assets of the tenant that logged in the day before the current hour began."""
        return self.fleet

    def facts(self, key: str, ts: float, severity: int, *, at: float | None = None) -> dict[str, Any]:
        """The context a finding carries into its score, as of ``at`` (the pattern's start; ``ts`` if not given).

        Judged at the start, so a pattern does not make itself background.
        """
        at = ts if at is None else at
        return {"severity": severity, "background": round(self.background(key, at), 4),
                "history_hours": round(self.history_hours(at), 2), "awake_hours": round(self.awake_hours(at), 2),
                "novelty": self.novelty(key, at)}

    # -- state ------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "first_ts": self.first_ts, "last_ts": self.last_ts,
            "awake_since": None if self.awake_since == float("-inf") else self.awake_since,
            "cell": self.cell, "fleet": self.fleet, "waking": self.waking, "days": [[d, m] for d, m in sorted(self.days.items())],
            "sigs": {k: [s.first, s.cell, [[d, e[0], e[1]] for d, e in sorted(s.days.items())], s.steady]
                     for k, s in self.sigs.items()},
            "assets": self.assets,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.first_ts = state.get("first_ts")
        self.last_ts = state.get("last_ts", 0.0)
        awake = state.get("awake_since")
        self.awake_since = float("-inf") if awake is None else awake
        self.cell = state.get("cell", -1)
        self.fleet = state.get("fleet", 1)
        self.waking = state.get("waking")
        self.days = {d: m for d, m in state.get("days", [])}
        self.sigs = {}
        for k, (first, cell, days, steady) in state.get("sigs", {}).items():
            s = self.sigs[k] = _SigProfile(first)
            s.cell = cell
            s.days = {d: [m, sm] for d, m, sm in days}
            s.steady = steady
        self.assets = dict(state.get("assets", {}))
        c = self.cell
        self._cell_span = (c * float(HOUR), (c + 1) * float(HOUR)) if c >= 0 else (float("inf"), float("-inf"))
        self._background = {}
        self._version += 1

    def tracked(self) -> list[str]:
        return list(self.sigs)

    def forget(self, signature_key: str) -> None:
        self.sigs.pop(signature_key, None)
        self._background.pop(signature_key, None)
