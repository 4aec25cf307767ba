"""`brainstem lm-sync`: poll a LogicMonitor portal's REST API into a tenant (see brainstem/sources/lm_sync.py)."""
from __future__ import annotations

import json
import tomllib

import click


def register(cli) -> None:
    from brainstem.cli import config_option, db_option, json_option, tenant_option

    @cli.command("lm-sync")
    @tenant_option
    @click.option("--company", "-c", default=None, help="Portal name: acme for acme.logicmonitor.com.")
    @click.option("--url", default=None, metavar="URL",
                  help="The API's base URL instead (…/santaba/rest), e.g. behind a proxy.")
    @click.option("--token", default=None, envvar="BRAINSTEM_LM_TOKEN", show_envvar=True,
                  help="A LogicMonitor bearer token.")
    @click.option("--access-id", default=None, envvar="BRAINSTEM_LM_ACCESS_ID", show_envvar=True,
                  help="LMv1 API token access id (with --access-key).")
    @click.option("--access-key", default=None, envvar="BRAINSTEM_LM_ACCESS_KEY", show_envvar=True,
                  help="LMv1 API token access key.")
    @click.option("--lookback-hours", type=float, default=None,
                  help="On a first sync, alerts that started this far back [setting lm_lookback_hours].")
    @click.option("--no-devices", is_flag=True, help="Alerts only; do not sync devices into assets.")
    @click.option("--every", type=float, default=None, metavar="SECONDS",
                  help="Keep polling this often until interrupted (default: poll once).")
    @db_option
    @config_option
    @json_option
    def lm_sync_command(tenant, company, url, token, access_id, access_key, lookback_hours, no_devices, every,
                        db, config, as_json):
        """Sync LogicMonitor alerts (active and recently cleared) into events and devices into assets.

        Credentials: --token (bearer), or --access-id and --access-key (LMv1);
        better in the environment than on the command line. Without --company
        or --url the [logicmonitor] table of --config is used. Running it again
        resumes from the stored cursor: nothing is ingested twice.
        """
        from brainstem.settings import load_settings
        from brainstem.sources.lm_config import LogicMonitorConfig
        from brainstem.sources.lm_rest import LogicMonitorError
        from brainstem.sources.lm_sync import run_sync
        from brainstem.workspace import Workspace

        settings = load_settings(config)
        if company or url:
            lm = LogicMonitorConfig(
                company=company, url=url, tenant=tenant or settings.default_tenant, token=token,
                access_id=access_id, access_key=access_key, poll_seconds=settings.lm_poll_seconds,
                lookback_hours=settings.lm_lookback_hours if lookback_hours is None else lookback_hours,
                device_sync_seconds=settings.lm_device_sync_seconds, page_size=settings.lm_page_size,
                timeout_seconds=settings.lm_timeout_seconds, max_retries=settings.lm_max_retries,
                devices=not no_devices).check("lm-sync")
        else:
            lm = _from_config(config, settings, tenant, lookback_hours, no_devices)
        ws = Workspace(db, settings, create=True)

        def show(r) -> None:
            if as_json:
                click.echo(json.dumps(vars(r), sort_keys=True))
                return
            tenants = ", ".join(f"{t} {n}" for t, n in sorted(r.changes_by_tenant.items()))
            click.echo(f"LogicMonitor {lm.portal}: {r.alerts_fetched} alerts read, {r.changes} new state changes "
                       f"stored{f' ({tenants})' if tenants else ''}, {r.devices_fetched} devices, "
                       f"{r.assets_written} assets written, {r.unrouted} unrouted, {r.requests} requests "
                       f"({r.retries} retries), {r.seconds:.1f}s")

        from brainstem.rules.bridge import tenant_rules
        rules_for = lambda slug: tenant_rules(settings, slug)   # noqa: E731
        try:
            run_sync(ws, lm, polls=0 if every else 1, every=every, rules_for=rules_for, on_report=show)
        except KeyboardInterrupt:
            click.echo("interrupted: what was received is stored", err=True)
        except LogicMonitorError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            ws.close()


def _from_config(config, settings, tenant, lookback_hours, no_devices):
    from dataclasses import replace

    from brainstem.settings import SettingsError
    from brainstem.sources.lm_config import LogicMonitorConfig

    if not config:
        raise click.UsageError("give --company (or --url) and credentials, or --config with a [logicmonitor] table")
    try:
        with open(config, "rb") as f:
            table = tomllib.load(f).get("logicmonitor")
    except OSError as exc:
        raise SettingsError(f"{config}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{config}: {exc}") from None
    if table is None:
        raise SettingsError(f"{config}: no [logicmonitor] table (or give --company and credentials)")
    lm = LogicMonitorConfig.from_table(table, f"{config} [logicmonitor]", settings)
    changes = {}
    if tenant:
        changes["tenant"] = tenant
    if lookback_hours is not None:
        changes["lookback_hours"] = lookback_hours
    if no_devices:
        changes["devices"] = False
    return replace(lm, **changes).check(f"{config} [logicmonitor]") if changes else lm
