"""`brainstem keys`: API keys for the REST API, scoped to a tenant (brainstem/keys.py)."""
from __future__ import annotations

import click


def register(cli) -> None:
    from brainstem.cli import _emit, _workspace, db_option, json_option

    @cli.group("keys")
    def keys_group():
        """API keys for the REST API: each sees one tenant; admin keys may act on any."""

    @keys_group.command("create")
    @click.option("--tenant", "-t", required=True, help="Tenant the key belongs to (created when new).")
    @click.option("--name", default="", help="What the key is for (shown by `keys list`).")
    @click.option("--admin", is_flag=True, help="May act on every tenant (?tenant=) and manage tenants and keys.")
    @db_option
    @json_option
    def keys_create(tenant, name, admin, db, as_json):
        """Create a key and print its token, the only time it is shown."""
        key, token = _workspace(db, create=True).create_key(tenant, name=name, admin=admin)
        if as_json:
            _emit(key.public() | {"token": token})
            return
        click.echo(token)
        click.echo(f"key {key.key_id} ({'admin, ' if admin else ''}tenant {tenant}, name {key.name!r}): "
                   "store the token now, it is not shown again", err=True)

    @keys_group.command("list")
    @click.option("--tenant", "-t", default=None, help="Only this tenant's keys.")
    @db_option
    @json_option
    def keys_list(tenant, db, as_json):
        """List keys (never their tokens): id, tenant, name, admin, created, revoked."""
        ws = _workspace(db)
        keys = ws.keys(tenant)
        slugs = {t.tenant_id: t.slug for t in ws.store.list_tenants()}
        if as_json:
            _emit([k.public() | {"tenant": slugs.get(k.tenant_id)} for k in keys])
            return
        if not keys:
            click.echo("no API keys (create one with `brainstem keys create --tenant T`)")
            return
        click.echo(f"{'PREFIX':<18} {'TENANT':<16} {'ADMIN':<6} {'CREATED':<17} {'REVOKED':<17} NAME")
        for k in keys:
            revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "-"
            click.echo(f"bsk_{k.key_id:<14} {slugs.get(k.tenant_id, k.tenant_id):<16} {'yes' if k.admin else 'no':<6} "
                       f"{k.created_at:%Y-%m-%d %H:%M}  {revoked:<17} {k.name}")

    @keys_group.command("revoke")
    @click.argument("key_id")
    @db_option
    def keys_revoke(key_id, db):
        """Revoke a key by its id (or bsk_ prefix): requests with it get 401 from now on."""
        key = _workspace(db).revoke_key(key_id)
        click.echo(f"revoked key {key.key_id} at {key.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
