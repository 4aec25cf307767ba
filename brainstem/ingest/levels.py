"""Severity and facility vocabularies: syslog PRI numbers and level words."""
from __future__ import annotations

# index = syslog severity number (RFC 5424 table 2); same order as models.SEVERITIES
SEVERITY_NAMES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")

# index = syslog facility number (RFC 5424 table 1), names as rsyslog spells them
FACILITY_NAMES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
    "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)

# upper-cased level word -> severity
LEVEL_WORDS = {
    "EMERG": "emergency", "EMERGENCY": "emergency", "PANIC": "emergency",
    "ALERT": "alert",
    "CRIT": "critical", "CRITICAL": "critical", "FATAL": "critical", "SEVERE": "critical",
    "ERR": "error", "ERROR": "error", "FAIL": "error", "FAILURE": "error",
    "WARN": "warning", "WARNING": "warning",
    "NOTICE": "notice",
    "INFO": "info", "INFORMATION": "info", "INFORMATIONAL": "info",
    "DEBUG": "debug", "TRACE": "debug", "VERBOSE": "debug", "FINE": "debug",
    "FINER": "debug", "FINEST": "debug",
}

# three-letter levels (Serilog "INF", zerolog/logrus short forms); MongoDB D1..D5
_SHORT_LEVELS = {"INF": "info", "WRN": "warning", "ERR": "error", "DBG": "debug", "FTL": "critical",
                 "VRB": "debug", "TRC": "debug", "CRT": "critical", "D1": "debug", "D2": "debug", "D3": "debug",
                 "D4": "debug", "D5": "debug", "EROR": "error", "WARNING": "warning"}

# Android logcat one-letter levels
LETTER_LEVELS = {"V": "debug", "D": "debug", "I": "info", "W": "warning",
                 "E": "error", "F": "critical", "A": "alert"}


def severity_from_word(word: str) -> str | None:
    return LEVEL_WORDS.get(word.upper())


def severity_from_number(n: int) -> str | None:
    """0..7 are syslog severities; 10..60 are bunyan/pino levels."""
    if 0 <= n <= 7:
        return SEVERITY_NAMES[n]
    if n >= 60:
        return "critical"
    if n >= 50:
        return "error"
    if n >= 40:
        return "warning"
    if n >= 30:
        return "info"
    if n >= 10:
        return "debug"
    return None


def severity_from_value(value: object) -> str | None:
    """A severity from a JSON value: a word, a syslog number, or a pino number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return severity_from_number(value)
    if isinstance(value, str):
        v = value.strip()
        if v.isdigit():  # also true for "²" and for 5,000 digits: int() refuses both
            return severity_from_number(int(v)) if v.isascii() and len(v) <= 3 else None
        low = v.lower()
        if low in SEVERITY_NAMES:
            return low
        if len(v) == 1:   # MongoDB "s": "I", logcat letters
            return LETTER_LEVELS.get(v.upper())
        return LEVEL_WORDS.get(v.upper()) or _SHORT_LEVELS.get(v.upper())
    return None
