"""The command line: parse options, call one library function, render the result.

Domain errors become one line on stderr and a non-zero exit here, at the edge.
"""
from __future__ import annotations

import sys

import click

from brainstem import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brainstem")
def cli() -> None:
    """brainstem: operational memory for MSPs and ops teams."""


@cli.command("nb")
@click.argument("files", nargs=-1)
@click.option("--test", "test_mode", is_flag=True, help="Print every timestamp as 0000-00-00 00:00:00 (like nb ++test).")
@click.option("--allow-shell", is_flag=True, help="Run shell actions (- and =); otherwise they are reported and skipped.")
def nb_command(files: tuple[str, ...], test_mode: bool, allow_shell: bool) -> None:
    """Run NodeBrain rule files (or stdin with '-' or no FILE) and print NodeBrain's log."""
    from brainstem.rules.interpreter import run_nb

    code = run_nb(list(files) or ["-"], test_mode=test_mode, allow_shell=allow_shell, out=sys.stdout)
    sys.exit(code)


def main() -> None:
    cli(prog_name="brainstem")


if __name__ == "__main__":
    main()
