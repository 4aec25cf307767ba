"""`brainstem nb`: run NodeBrain command files and write NodeBrain's log format."""
from __future__ import annotations

import sys
from typing import TextIO

from brainstem.gcpause import collect_less

from .engine import RuleEngine
from .feed import run_file, run_lines

HEADER = "Date       Time     Message\n---------- -------- --------------------------------------------\n"


def run_nb(sources: list[str], *, test_mode: bool, allow_shell: bool, out: TextIO,
           clock: float | None = None) -> int:
    """Run each source (a path, or "-" for stdin) in one engine; return the exit code
    (1 if any command had an error, as reported in the log). `clock` starts the
    engine clock (epoch seconds) instead of the wall clock."""
    eng = RuleEngine(allow_shell=allow_shell, test_mode=test_mode, now=clock)
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.write("\n".join(buf) + "\n")
            buf.clear()

    eng.sink = buf.append     # log lines are buffered; written out a chunk of input at a time
    eng.on_flush = flush      # and the engine during long timer runs
    # an event stream allocates many small objects that live as long as their window;
    # collecting cycles less often saves a tenth of the run (removed cache nodes are
    # freed by reference counting anyway)
    with collect_less():
        # NodeBrain's log header (compare.py and NodeBrain users read from the bar on)
        out.write(HEADER)
        failed = False
        for i, src in enumerate(sources, 1):
            eng.message("I", f"Argument [{i}] {src}")
            try:
                if src == "-":
                    eng.message("I", "Reading from standard input.")
                    errors = run_lines(eng, sys.stdin, "<stdin>", echo=True, flush=flush)
                else:
                    with open(src, encoding="utf-8", errors="replace", newline="") as fh:
                        errors = run_file(eng, fh, src, echo=True, flush=flush)
                    eng.message("I", f'Source file "{src}" included.')
            except OSError as exc:
                eng.message("E", f"Unable to read {src}: {exc.strerror}")
                failed = True
                continue
            failed = failed or bool(errors)
        code = 1 if failed or eng.error_count else 0
        eng.message("I", f"NodeBrain nb[0] terminating - exit code={code}")
        flush()
        out.flush()
        return code


def parse_clock(text: str) -> float:
    """`--clock` (ISO 8601; UTC unless it says otherwise) as epoch seconds."""
    from datetime import datetime, timezone
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def quick_nb(args: list[str]) -> int | None:
    """`brainstem nb` with the options the CLI documents (--test, --allow-shell,
    --clock TIME), run without loading the CLI; None for anything else (--help, a
    bad option or value), which the CLI then handles and reports."""
    files, test_mode, allow_shell, clock = [], False, False, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--test":
            test_mode = True
        elif a == "--allow-shell":
            allow_shell = True
        elif a == "--clock" or a.startswith("--clock="):
            value = a[8:] if a.startswith("--clock=") else (args[i + 1] if i + 1 < len(args) else None)
            if value is None:
                return None
            if a == "--clock":
                i += 1
            try:
                clock = parse_clock(value)
            except ValueError:
                return None
        elif a.startswith("-") and a != "-":
            return None
        else:
            files.append(a)
        i += 1
    return run_nb(files or ["-"], test_mode=test_mode, allow_shell=allow_shell, out=sys.stdout, clock=clock)
