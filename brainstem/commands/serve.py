"""`brainstem serve`: the live service (see brainstem/service)."""
from __future__ import annotations

import click


def register(cli) -> None:
    from brainstem.cli import config_option, db_option

    @cli.command("serve")
    @db_option
    @config_option
    def serve_command(db, config):
        """Run the live service: syslog listeners, followed files, webhooks, REST API, metrics."""
        raise click.ClickException("brainstem serve is being built")
