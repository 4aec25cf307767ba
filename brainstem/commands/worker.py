"""`brainstem worker`: store what `serve --mode gateway` published (brainstem/service/worker.py)."""
from __future__ import annotations

import click


def register(cli) -> None:
    from brainstem.cli import config_option, db_option

    @cli.command("worker")
    @click.option("--nats", "nats_url", default=None, metavar="URL", help="NATS server with JetStream (setting nats_url).")
    @click.option("--id", "worker_id", default=None, help="This worker's name in leases and heartbeats "
                                                          "(default host-pid-random).")
    @click.option("--log-level", default="info", show_default=True,
                  type=click.Choice(["debug", "info", "warning", "error"]))
    @db_option
    @config_option
    def worker_command(nats_url, worker_id, log_level, db, config):
        """Consume tenant partitions of the JetStream ingest log into the store.

        Run as many as you like against one PostgreSQL store: they split the partitions
        (nats_partitions) between them, each held under a lease; see docs/deployment.md.
        SIGTERM finishes the batch in hand, checkpoints and gives the partitions up.
        """
        from brainstem.service.logs import setup_logging
        from brainstem.service.worker import run_worker
        from brainstem.settings import load_settings

        settings = load_settings(config, nats_url=nats_url)
        setup_logging(log_level)
        run_worker(db, settings, worker_id)
