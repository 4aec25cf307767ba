"""The `brainstem` command's entry point: `brainstem nb ...` starts the rule engine
without loading the rest of the CLI (a NodeBrain script is often a short job, and
its start-up time counts); everything else goes to brainstem.cli."""
from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["nb"]:
        from brainstem.rules.interpreter import quick_nb
        code = quick_nb(argv[1:])
        if code is not None:
            sys.exit(code)
    from brainstem.cli import main as cli_main
    cli_main()


if __name__ == "__main__":
    main()
