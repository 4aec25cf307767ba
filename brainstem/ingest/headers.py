"""Header columns: what the columns around a log line's timestamp are, judged by their shape over a sample.

A header column is recognized when most sample lines agree on its shape: a
level word, a pid, a bracketed thread or context, a ``name[pid]:`` tag, a
logger name, a ``file.go:123`` source, a host, a separator. The first column
whose shape does not agree starts the message. ``learn_columns`` returns the
roles in order; ``column_regex`` turns them into one regex for the fast path.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .levels import LETTER_LEVELS, LEVEL_WORDS

# Level words a header column may hold, beyond the general vocabulary:
# PostgreSQL's LOG/DETAIL/STATEMENT..., MySQL's Note/System, DEBUG1..5.
HEADER_LEVELS = dict(LEVEL_WORDS)
HEADER_LEVELS.update({
    "DEFAULT": "notice", "FAULT": "critical",   # macOS unified log types
    "LOG": "info", "NOTE": "notice", "SYSTEM": "info", "DETAIL": "info", "STATEMENT": "info",
    "HINT": "info", "CONTEXT": "info", "QUERY": "info", "LOCATION": "info", "INFORMATIONAL": "info",
    "DEBUG1": "debug", "DEBUG2": "debug", "DEBUG3": "debug", "DEBUG4": "debug", "DEBUG5": "debug",
    "WRN": "warning", "ERRO": "error", "EROR": "error", "INF": "info", "DBG": "debug", "FTL": "critical",
    "CRT": "critical", "TRC": "debug", "WARNI": "warning", "CRITI": "critical",
})

SHARE = 0.75        # share of sample lines that must agree on a column's shape
STRONG_SHARE = 0.9  # for shapes that are easy to confuse with message words (numbers, hosts)
MAX_COLUMNS = 10

_LEVEL_TOKEN = re.compile(r"[\[<(]?(?:[\w-]+:)?([A-Za-z]{3,13}[1-5]?)[\]>)]?(?:\[[^\]\s]{1,32}\])*(?:/[\w.\-]{1,64})?[:,]?$")
_INT = re.compile(r"\d{1,10}$")
_HEX = re.compile(r"0x[0-9a-fA-F]{1,16}$")
_BRACKET_INT = re.compile(r"\[(\d{1,10})\]:?$")
_PID_TID = re.compile(r"\[pid:? ?(\d{1,10})(?::tid:? ?(\d{1,20}))?\]$")
_BRACKET_DOTTED = re.compile(r"\[\s*[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)+\s*\]$")
_TAG = re.compile(r"([A-Za-z_$](?:[^\s\[\]:()]|::){0,127}?)(?:\((\S{1,64})\))?(?:\[([^\]\s]{1,32})\])?:$")
_DOTTED = re.compile(r"[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)+$")
_FILELINE = re.compile(r"([\w.\-/]+\.[A-Za-z]{1,6}:\d{1,6})[\]:]?$")
_HOST = re.compile(r"(?=[\w.\-:/]*[\d\-.])[A-Za-z0-9][\w.\-:/]{0,127}$")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}$")
_PID_ROLE = re.compile(r"\d{1,10}(?::[A-Za-z]|#\d{1,10}:)$")
_DATE = re.compile(r"(?:19|20)\d\d[-./]\d\d[-./]\d\d$")
_MNEMONIC = re.compile(r"%([A-Z][A-Z0-9_]{0,31})-(?:[A-Z0-9_]{1,31}-)?([0-7])-([A-Z0-9_]{1,63}):$")  # Cisco %LINK-3-UPDOWN:
_WORD = re.compile(r"[A-Za-z][\w\-]{0,63}$")
_CODE = re.compile(r"[A-Z]{1,6}[-_]?\d{2,}:$")
_HASH_PID = re.compile(r"#\d{1,10}\]?$")
_ANGLE = re.compile(r"<[^<>\s]{1,64}>$")
_SEPARATORS = frozenset(("-", "--", "---", "|", ":", "::", ">", ">>", "-->", "=>", "*", "]", ")", "],", "]:",
                         '"', ",", ";", "#", "."))
_CODE_EXT = frozenset(("java", "py", "go", "c", "cc", "cpp", "h", "rs", "rb", "js", "ts", "scala", "kt", "cs", "php"))
_STREAMS = frozenset(("stdout", "stderr"))


def next_token(text: str, pos: int) -> tuple[int, int, int] | None:
    """(start, end, spaces before) of the token at or after ``pos``; brackets with
    spaces inside (``[pid 12:tid 3]``, ``[           main]``) are one token."""
    n = len(text)
    start = pos
    while start < n and (text[start] == " " or text[start] == "\t"):
        start += 1
    if start >= n:
        return None
    c = text[start]
    end = -1
    if c == "[" or c == "(":
        close = "]" if c == "[" else ")"
        depth = 0
        i = start
        limit = min(n, start + 300)
        while i < limit:
            ch = text[i]
            if ch == c:
                depth += 1
            elif ch == close:
                depth -= 1
                if depth == 0:
                    end = i + 1
                    break
            i += 1
        if 0 < end < n and text[end] == ":":
            end += 1
    if end < 0:
        sp = text.find(" ", start)
        tab = text.find("\t", start)
        if tab >= 0 and (sp < 0 or tab < sp):
            sp = tab
        end = n if sp < 0 else sp
    return start, end, start - pos


def shape(tok: str) -> str:
    """The shape class of one header token."""
    if tok in _SEPARATORS:
        return "sep"
    c = tok[0]
    if c == "[":
        if _BRACKET_INT.match(tok) or _PID_TID.match(tok):
            return "bracket_pid"
        lv = _LEVEL_TOKEN.match(tok.replace(" ", ""))
        if lv is not None and lv[1].upper() in HEADER_LEVELS:
            return "level"
        if _BRACKET_DOTTED.match(tok):
            return "bracket_logger"
        return "bracket"
    if c == "(":
        return "paren"
    if c == "#" and _HASH_PID.match(tok):     # Ruby's Logger: "[time #1234]"
        return "bracket_pid"
    if c == "<" and _ANGLE.match(tok) and not _LEVEL_TOKEN.match(tok):   # an Erlang pid <0.230.0>
        return "bracket"
    if c.isdigit():
        if _INT.match(tok):
            return "int"
        if _HEX.match(tok):
            return "hex"
        if _IPV4.match(tok):
            return "host"
        if _PID_ROLE.match(tok):    # redis "1234:M" (pid:role), nginx "1234#0:" (pid#tid)
            return "pid_role"
        if _DATE.match(tok):
            return "date"
        return "other"
    if c == "%" and _MNEMONIC.match(tok):
        return "mnemonic"
    lv = _LEVEL_TOKEN.match(tok)
    if lv is not None and lv[1].upper() in HEADER_LEVELS and (tok[0] == "<" or lv[1].isupper() or lv[1].istitle()
                                                               or lv[1].islower()):
        return "level"
    if tok in _STREAMS:
        return "stream"
    if tok[-1] == ":" and len(tok) > 1:
        if _FILELINE.match(tok) is not None:
            return "fileline"
        if _CODE.match(tok):    # AH00128:, ORA-00600: a message's code, not a program
            return "other"
        if _TAG.match(tok):
            return "tag"
        return "other"
    if "=" in tok:
        return "kv"
    if len(tok) == 1 and tok in LETTER_LEVELS:
        return "letter"
    fl = _FILELINE.match(tok)
    if fl is not None and fl[1].rsplit(":", 1)[0].rsplit(".", 1)[-1].lower() in _CODE_EXT:
        return "fileline"
    if _DOTTED.match(tok):
        return "dotted"
    if _HOST.match(tok):
        return "host"
    if _WORD.match(tok):
        return "word"
    return "other"


# shapes judged together when a column mixes them ("app.db" and "root" are both logger names)
_GROUP = {"word": "name", "dotted": "name", "bracket_logger": "bracket", "paren": "bracket"}


@dataclass(frozen=True)
class Column:
    """One learned header column: its role and whether every sample line had it."""

    role: str
    optional: bool = False

    def describe(self) -> str:
        return self.role + ("?" if self.optional else "")


# the shapes each role accepts (a line whose token has another shape skips the column)
_FITS = {"pid": ("int", "bracket_pid"), "tid": ("int",), "context": ("bracket", "paren", "bracket_logger"),
         "bracket_logger": ("bracket_logger",), "logger": ("dotted", "word"), "component": ("word", "dotted", "host"),
         "tag": ("tag",), "source": ("fileline",), "host": ("host",), "hex": ("hex",), "sep": ("sep",),
         "level": ("level",), "letter": ("letter",), "pid_role": ("pid_role",), "date": ("date",),
         "mnemonic": ("mnemonic",), "stream": ("stream",)}
# after these only a separator, a pid or a level may follow ("fail2ban.filter [1234]: INFO",
# "queries: info: ..."), then the message starts
_CLOSES_HEADER = frozenset(("tag", "logger", "bracket_logger", "mnemonic"))
_AFTER_CLOSE = frozenset(("sep", "bracket_pid", "level"))
INFORMATIVE = frozenset(_FITS) - {"sep", "date"}


def _line_tokens(text: str, pos: int):
    t = next_token(text, pos)
    if t is None:
        return None
    s, e, gap = t
    tok = text[s:e]
    return tok, shape(tok), e, gap


def learn_columns(lines: list[str], starts: list[int]) -> list[Column]:
    """Roles of the header columns that follow ``starts[i]`` in ``lines[i]``, in order."""
    cursors = list(starts)
    n_lines = len(lines)
    roles: list[Column] = []
    seen: set[str] = set()
    closing = False
    for _ in range(MAX_COLUMNS):
        toks = [_line_tokens(lines[i], cursors[i]) for i in range(n_lines)]
        present = [t for t in toks if t is not None]
        if len(present) < max(2, 0.5 * n_lines):
            break
        groups = Counter(_GROUP.get(t[1], t[1]) for t in present)
        top, count = groups.most_common(1)[0]
        share = count / len(present)
        if closing and top not in _AFTER_CLOSE:
            break
        role = _role(top, share, toks, lines, seen, first=not roles, prev=roles[-1].role if roles else None,
                     bracket_share=groups["bracket"] / len(present))
        if role is None:
            break
        fits = _FITS[role]
        for i, t in enumerate(toks):
            if t is not None and t[1] in fits:
                cursors[i] = t[2]
        optional = sum(1 for t in present if t[1] in fits) < 0.97 * len(present)
        roles.append(Column(role, optional))
        seen.add(role)
        if closing and role == "level":
            break
        closing = closing or role in _CLOSES_HEADER
    return roles


def _next_shapes(toks, lines, group: str) -> Counter:
    out: Counter = Counter()
    for i, t in enumerate(toks):
        if t is not None and _GROUP.get(t[1], t[1]) == group:
            nt = _line_tokens(lines[i], t[2])
            out[nt[1] if nt is not None else "end"] += 1
    return out


def _values(toks, group: str) -> list:
    return [t for t in toks if t is not None and _GROUP.get(t[1], t[1]) == group]


def _low_cardinality(values) -> bool:
    n = len(values)
    limit = 0.3 * n if n >= 10 else max(2, n // 2)
    return len({t[0] for t in values}) <= limit


_SIMPLE = {"sep": "sep", "level": "level", "bracket_pid": "pid", "pid_role": "pid_role", "date": "date",
           "tag": "tag", "fileline": "source", "mnemonic": "mnemonic", "stream": "stream"}


def _role(top: str, share: float, toks, lines, seen: set[str], first: bool, prev: str | None = None,
          bracket_share: float = 0.0) -> str | None:
    if share < SHARE:
        # a level word is vocabulary, not chance: half the lines suffice ("[Note]" / "InnoDB: ..." lines);
        # so does a bracket in a run of bracketed columns ("[pid 1:tid 2] [client 10.0.0.7] message")
        if top == "level" and share >= 0.5 and "level" not in seen:
            return "level"
        if bracket_share >= 0.3 and prev in ("pid", "level", "context"):
            return "context"
        return None
    simple = _SIMPLE.get(top)
    if simple is not None:
        if simple in seen and simple not in ("sep", "date", "source"):
            return None
        if simple == "pid" and "pid" in seen:
            return None
        return simple
    vals = _values(toks, top)
    if top == "letter":
        return "letter" if "pid" in seen and "level" not in seen else None   # logcat: pid tid letter
    if top == "bracket":
        loggers = sum(1 for t in vals if t[1] == "bracket_logger")
        if loggers >= STRONG_SHARE * len(vals) and "logger" not in seen and "bracket_logger" not in seen:
            return "bracket_logger"
        return "context"
    if top == "hex":
        return "hex" if share >= STRONG_SHARE else None
    after = _next_shapes(toks, lines, top)
    total = sum(after.values()) or 1
    header_next = sum(after[s] for s in ("level", "letter", "int", "hex", "bracket", "bracket_pid", "bracket_logger",
                                         "tag", "sep", "fileline", "mnemonic")) / total
    if top == "int":
        if share < STRONG_SHARE:
            return None
        if "pid" not in seen and ("level" in seen or header_next >= SHARE):
            return "pid"
        if "pid" in seen and "tid" not in seen and header_next >= SHARE:
            return "tid"
        return None
    if top == "host":
        if first and share >= STRONG_SHARE and header_next >= SHARE and _low_cardinality(vals):
            return "host"
        if first or "level" not in seen:
            return None
        top = "name"   # "INFO worker-2 - message": after the level, a name like any other
    if top == "name":
        dotted = sum(1 for t in vals if t[1] == "dotted") / max(1, len(vals))
        sep_next = after["sep"] / total
        padded = sum(1 for i, t in enumerate(toks) if t is not None and t in vals
                     and _gap_after(lines[i], t[2]) >= 2) / max(1, len(vals))
        if "logger" not in seen and "tag" not in seen:
            if dotted >= STRONG_SHARE and ("level" in seen or sep_next >= SHARE or padded >= SHARE):
                return "logger"          # org.apache.catalina.startup.Catalina.start ...
            if (sep_next >= SHARE or padded >= SHARE) and _low_cardinality(vals) and "component" not in seen:
                return "component"       # "%(name)s - %(levelname)s", CBS's padded columns
        if header_next >= SHARE and _low_cardinality(vals) and "component" not in seen:
            return "component"
    return None


def _gap_after(text: str, end: int) -> int:
    n = len(text)
    i = end
    while i < n and text[i] == " ":
        i += 1
    return i - end if i < n else 0


# ---- the fast path: one regex for the learned columns ----------------------------------------
_PIECES = {
    "sep": r"(?:---|-->|--|-|\|\||\||::|:|>>|>|=>|\*|\]:|\],|\]|\)|\"|,|;|#|\.)(?=\s|$)",
    # any word: the parser checks it against HEADER_LEVELS (an alternation of 70 words costs 2 µs a line)
    "level": (r"[\[<(]?\s*(?:(?P<hd_lvmod>[\w-]+):)?(?P<hd_lv>[A-Za-z]{3,13}[1-5]?)(?:\s*[\]>)])?"
              r"(?:\[(?P<hd_lvpid>\d{1,10})\])?(?:\[[^\]\s]{1,32}\])*(?:/(?P<hd_lvfac>[\w.\-]{1,64}))?[:,]?(?=[\s\[]|$)"),
    "letter": r"(?P<hd_letter>[VDIWEFA])(?=\s)",
    "pid": (r"(?:\[(?:pid:? ?)?(?P<hd_pid>\d{1,10})(?::tid:? ?(?P<hd_tid2>\d{1,20}))?\]:?|(?P<hd_pidn>\d{1,10})"
            r"|#(?P<hd_hpid>\d{1,10})\]?)(?=\s|$)"),
    "tid": r"(?P<hd_tid>\d{1,10})(?=\s|$)",
    "hex": r"(?P<hd_hex>0x[0-9a-fA-F]{1,16})(?=\s|$)",
    "pid_role": r"(?P<hd_pr>\d{1,10})(?::(?P<hd_role>[A-Za-z])|#(?P<hd_ptid>\d{1,10}):)(?=\s|$)",
    "date": r"(?:19|20)\d\d[-./]\d\d[-./]\d\d(?=\s|$)",
    "tag": (r"(?P<hd_tag>[A-Za-z_$][^\s\[\]:()]*(?:::[^\s\[\]:()]+)*)(?:\((?P<hd_mod>\S{1,64})\))?"
            r"(?:\[(?P<hd_tpid>[^\]\s]{1,32})\])?:(?=\s|$)"),
    "source": r"(?P<hd_src>[\w.\-/]+\.[A-Za-z]{1,6}:\d{1,6})[\]:]?(?=\s|$)",
    "context": (r"(?:[\[(](?P<hd_ctx>[^\[\]()]*(?:[\[(][^\[\]()]*[\])][^\[\]()]*)*)[\])]:?"
                r"|<(?P<hd_actx>[^<>\s]{1,64})>)(?=[\s\[]|$)"),
    "bracket_logger": r"\[\s*(?P<hd_blogger>[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)+)\s*\](?=[\s\[]|$)",
    "logger": r"(?P<hd_logger>[A-Za-z_$][\w$\-]*(?:\.[\w$\-]+)*)(?=\s|$)",
    "component": r"(?P<hd_comp>[A-Za-z][\w.\-$]{0,63})(?=\s|$)",
    "host": r"(?P<hd_host>[A-Za-z0-9][\w.\-:/]{0,127})(?=\s|$)",
    "mnemonic": r"%(?P<hd_fac>[A-Z][A-Z0-9_]{0,31})-(?:[A-Z0-9_]{1,31}-)?(?P<hd_sev>[0-7])-(?P<hd_mn>[A-Z0-9_]{1,63}):(?=\s|$)",
    "stream": r"(?P<hd_stream>stdout|stderr)(?:\s(?P<hd_cri>[FP]))?(?=\s|$)",
}


def column_regex(columns: list[Column]) -> str:
    """The regex source matching ``columns`` (each followed by spaces) from the
    timestamp's end to the message. Column ``i``'s groups are named ``c{i}_...``."""
    out = []
    for i, col in enumerate(columns):
        piece = r"\s*" + _PIECES[col.role].replace("(?P<hd_", f"(?P<c{i}_")
        out.append("(?:" + piece + ")?" if col.optional else piece)
    return "".join(out)
