"""`brainstem serve` and `brainstem follow`: the live service (brainstem/service)."""
from __future__ import annotations

import click


def register(cli) -> None:
    from brainstem.cli import config_option, db_option

    @cli.command("serve")
    @click.option("--listen", "listen", multiple=True, metavar="URL",
                  help="A syslog listener, e.g. udp://0.0.0.0:5514, tcp://:6514?tenant=acme, "
                       "tls://:6514?cert=c.pem&key=k.pem (repeatable; adds to the config's [[listener]]s).")
    @click.option("--follow", "follow", multiple=True, metavar="PATH[@TENANT]",
                  help="Follow a file (repeatable; adds to the config's [[follow]]s).")
    @click.option("--http", default=None, metavar="HOST:PORT",
                  help="Address of the REST API, console and /metrics (setting serve_http; '' for none).")
    @click.option("--tenant", "default_tenant", default=None,
                  help="Tenant for messages no route claims (setting default_tenant).")
    @click.option("--mode", default=None, type=click.Choice(["standalone", "gateway"]),
                  help="standalone stores what it accepts; gateway publishes it to JetStream for "
                       "`brainstem worker`s (setting serve_mode).")
    @click.option("--nats", "nats_url", default=None, metavar="URL", help="NATS server of gateway mode (setting nats_url).")
    @click.option("--log-level", default="info", show_default=True,
                  type=click.Choice(["debug", "info", "warning", "error"]))
    @db_option
    @config_option
    def serve_command(listen, follow, http, default_tenant, mode, nats_url, log_level, db, config):
        """Run the live service: syslog listeners, followed files, webhooks, REST API, metrics.

        Settings come from --config (brainstem.toml), BRAINSTEM_* variables and these
        options; see docs/service.md. SIGTERM or Ctrl-C stores everything received, then exits.
        """
        from brainstem.service.config import load_service_config
        from brainstem.service.logs import setup_logging
        from brainstem.service.server import serve

        cfg = load_service_config(config, listen=listen, follow=follow, serve_http=http,
                                  default_tenant=default_tenant, serve_mode=mode, nats_url=nats_url)
        setup_logging(log_level)
        serve(cfg, db)

    @cli.command("follow")
    @click.argument("paths", nargs=-1, required=True)
    @click.option("--tenant", "-t", default=None, help="Tenant of the followed files (default: default_tenant).")
    @click.option("--format", "fmt", type=click.Choice(["auto", "rfc3164", "rfc5424", "app", "json"]),
                  default="auto", help="Input format; detected from the first lines by default.")
    @click.option("--log-level", default="info", show_default=True,
                  type=click.Choice(["debug", "info", "warning", "error"]))
    @db_option
    @config_option
    def follow_command(paths, tenant, fmt, log_level, db, config):
        """Follow log files as they grow (across rotation, resuming after a restart) until Ctrl-C."""
        from brainstem.service.config import FollowSpec, load_service_config
        from brainstem.service.logs import setup_logging
        from brainstem.service.server import serve

        cfg = load_service_config(config, serve_http="")
        cfg.listeners.clear()
        cfg.follows[:] = [FollowSpec(p, tenant, None if fmt == "auto" else fmt) for p in paths]
        setup_logging(log_level)
        serve(cfg, db)
