"""The command line: parse options, call one library function, render the result.

Domain errors become one line on stderr and a non-zero exit here, at the
edge; ``--json`` prints machine-readable output instead of tables.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from brainstem import __version__
from brainstem.models import CANDIDATE_TYPES, DECISION_BANDS, REVIEW_DECISIONS, to_dict

DEFAULT_DB = "brainstem.db"


def _db_default() -> str:
    return os.environ.get("BRAINSTEM_DB", DEFAULT_DB)


def _errors():
    """Exceptions a user can cause, turned into one clear line."""
    from brainstem.ingest import IngestError
    from brainstem.memory.review import ReviewError
    from brainstem.settings import SettingsError
    from brainstem.store import StoreError
    return (IngestError, ReviewError, SettingsError, StoreError, LookupError, ValueError, OSError)


def _invoke(invoke, ctx):
    try:
        return invoke(ctx)
    except BrokenPipeError:
        raise                     # the reader went away (`| head`): main() ends quietly
    except _errors() as exc:
        if os.environ.get("BRAINSTEM_DEBUG"):
            raise
        raise click.ClickException(str(exc)) from None


class _Command(click.Command):
    def invoke(self, ctx):
        return _invoke(super().invoke, ctx)


class _Group(click.Group):
    command_class = _Command

    def invoke(self, ctx):
        return _invoke(super().invoke, ctx)


_Group.group_class = _Group


def db_option(f):
    return click.option("--db", default=_db_default, show_default="./brainstem.db or $BRAINSTEM_DB",
                        help="The brainstem database: an SQLite file path, or a PostgreSQL URL "
                             "(postgresql://user@host:5432/dbname).")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(f)


def config_option(f):
    return click.option("--config", type=click.Path(dir_okay=False), default=None,
                        help="Settings file (TOML); also $BRAINSTEM_CONFIG.")(f)


def tenant_option(f):
    return click.option("--tenant", "-t", default=None,
                        help="Tenant name (case-insensitive: 'Mac' and 'mac' are one tenant); "
                             "without it, lists cover every tenant with a TENANT column.")(f)


def ingest_tenant_option(f):
    return click.option("--tenant", "-t", default=None,
                        help="Tenant name, created if new and stored in lower case (default: $BRAINSTEM_DEFAULT_TENANT "
                             "or 'default').")(f)


def _tenant_col(slugs: dict[str, str] | None, tenant_id: str | None) -> str:
    """The TENANT column of a cross-tenant listing ('' when listing one tenant)."""
    if slugs is None:
        return ""
    return f"{_short(slugs.get(tenant_id or '', tenant_id or '-'), 14):<15} "


def _workspace(db: str, config: str | None = None, *, create: bool = False, upgrade: bool = False):
    from brainstem.settings import load_settings
    from brainstem.workspace import Workspace
    return Workspace(db, load_settings(config), create=create, upgrade=upgrade)


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _short(text: str, n: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brainstem")
def cli() -> None:
    """brainstem: operational memory for MSPs and ops teams.

    Ingest logs, find the patterns that matter, review them, and remember.
    """


# -- ingest -------------------------------------------------------------------------------
@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@ingest_tenant_option
@click.option("--format", "fmt", type=click.Choice(["auto", "rfc3164", "rfc5424", "app", "json", "logfmt"]), default="auto",
              help="Input format; detected per file by default.")
@click.option("--json-map", default=None, metavar="FIELD=PATH,...",
              help="JSON lines mapping, e.g. 'timestamp=ts,host=host.name,message=msg,severity=level'.")
@click.option("--rules", "rules_dir", default=None, type=click.Path(file_okay=False),
              help="Directory of NodeBrain rule files (*.nb) to run over the events.")
@db_option
@config_option
@json_option
def ingest_command(paths, tenant, fmt, json_map, rules_dir, db, config, as_json):
    """Ingest log files, directories or globs (plain or .gz) for one tenant."""
    mapping = _json_mapping(json_map) if json_map else None
    ws = _workspace(db, config, create=True)
    try:
        _ingest_and_report(ws, paths, tenant, fmt, mapping, rules_dir, as_json)
    finally:
        ws.close()
    global _exit_without_teardown
    _exit_without_teardown = True


# Set once an ingest has closed its database and printed everything: the process then
# ends without the interpreter freeing its objects one by one (the miner's and the
# detectors' state, its caches: 0.2 s of a 156,000-line ingest), which the OS does at once.
_exit_without_teardown = False


def _ingest_and_report(ws, paths, tenant, fmt, mapping, rules_dir, as_json) -> None:
    from brainstem.pipeline.ingest import total_bytes

    show_bar = sys.stderr.isatty() and not as_json
    if show_bar:
        with click.progressbar(length=total_bytes(paths), label="ingesting", file=sys.stderr,
                               show_eta=True, width=30) as bar:
            stats = ws.ingest(paths, tenant=tenant, fmt=None if fmt == "auto" else fmt, json_mapping=mapping,
                              on_progress=bar.update, rules_dir=rules_dir)
    else:
        stats = ws.ingest(paths, tenant=tenant, fmt=None if fmt == "auto" else fmt, json_mapping=mapping,
                          rules_dir=rules_dir)
    if as_json:
        _emit({"lines_read": stats.lines_read, "events_stored": stats.events_stored,
               "duplicates_skipped": stats.duplicates, "bad_lines": stats.bad_lines,
               "new_signatures": stats.new_signatures, "elapsed_seconds": round(stats.elapsed, 3),
               "incidents_recurred": stats.recurred,
               "events_per_second": round(stats.rate, 1),
               "lines_without_timestamp": stats.untimed_lines,
               "continuation_lines_joined": stats.joined_lines,
               "files_without_timestamps": stats.untimed_files,
               "notes": [{"path": p, "note": t} for p, t in stats.notes],
               "bad": [{"path": p, "line": n, "reason": r} for p, n, r in stats.bad]})
        return
    for path, line, reason in stats.bad[:20]:
        click.echo(f"bad line {path}:{line}: {reason}", err=True)
    if stats.bad_lines > 20:
        click.echo(f"... and {stats.bad_lines - 20} more bad lines", err=True)
    _print_time_notes(stats)
    untimed = ""
    if stats.untimed_lines:
        how = (f"{stats.joined_lines} joined to the event before them" if stats.joined_lines == stats.untimed_lines
               else f"{stats.joined_lines} joined to the event before them, the rest given the time of the one before "
                  "or of their file")
        untimed = f"{stats.untimed_lines} lines without a timestamp of their own ({how}), "
    click.echo(f"{stats.lines_read} lines read, {stats.events_stored} events stored, "
               f"{stats.duplicates} duplicates skipped, {stats.bad_lines} bad lines, {untimed}"
               f"{stats.elapsed:.2f}s, {stats.rate:,.0f} events/s")
    _print_recurred(ws, stats.recurred)


def _print_time_notes(stats) -> None:
    """Where event time was not the lines' own: files without any, years and dates inferred."""
    for path in stats.untimed_files[:20]:
        click.echo(f"no timestamps found in {path}: events take the file's time", err=True)
    if len(stats.untimed_files) > 20:
        click.echo(f"... and {len(stats.untimed_files) - 20} more files without timestamps", err=True)
    inferred = [(p, t) for p, t in stats.notes if not t.startswith("layout: ")]
    for path, text in inferred[:10]:
        click.echo(f"{path}: {text}", err=True)
    if len(inferred) > 10:
        click.echo(f"... and {len(inferred) - 10} more notes (--json lists them)", err=True)


def _print_recurred(ws, recurred: dict[str, int]) -> None:
    """Known incidents that came back in this ingest, with what to do about them."""
    for iid, n in recurred.items():
        inc = ws.store.get(iid)
        click.echo(f"seen before: {inc.title} ({iid}) came back {n}x, {inc.recurrence_count}x in all")
        for h in ws.store.hints(inc.tenant_id):
            if iid in h.trigger_incident_ids:
                click.echo(f"  next step: {h.hint_text}")


def _json_mapping(spec: str):
    from brainstem.ingest import JsonMapping
    fields = {}
    for part in spec.split(","):
        if "=" not in part:
            raise click.BadParameter(f"expected FIELD=PATH, got {part!r}", param_hint="--json-map")
        k, v = part.split("=", 1)
        fields[k.strip()] = v.strip()
    try:
        return JsonMapping(**fields)
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--json-map") from None


# -- fingerprint ------------------------------------------------------------------------------
@cli.command("fingerprint")
@click.argument("file", default="-", type=click.File("r", encoding="utf-8", errors="replace"))
@json_option
def fingerprint_command(file, as_json):
    """Print '<signature_key>\\t<template>' for each message line of FILE (or stdin)."""
    from brainstem.workspace import Workspace
    rows = Workspace.fingerprint(file)
    if as_json:
        _emit([{"signature_key": k, "template": t} for k, t in rows])
        return
    out = sys.stdout
    for key, template in rows:
        out.write(f"{key}\t{template}\n")


# -- reading ------------------------------------------------------------------------------------
@cli.command("signatures")
@tenant_option
@click.option("--limit", default=30, show_default=True, help="How many, most frequent first.")
@db_option
@json_option
def signatures_command(tenant, limit, db, as_json):
    """List a tenant's signatures (log templates), most frequent first."""
    ws = _workspace(db)
    sigs = ws.signatures(tenant, limit=limit)
    if as_json:
        _emit([to_dict(s) for s in sigs])
        return
    slugs = None if tenant else ws.tenant_slugs()
    click.echo(f"{'TENANT          ' if slugs else ''}{'KEY':<18} {'COUNT':>8}  {'LAST SEEN':<16}  PATTERN")
    for s in sigs:
        click.echo(f"{_tenant_col(slugs, s.tenant_id)}{s.signature_key:<18} {s.occurrence_count:>8}  "
                   f"{s.last_seen_at:%Y-%m-%d %H:%M}  {_short(s.normalized_pattern, 90)}")


def _band(value: str | None) -> str | None:
    if value is None:
        return None
    name = value.rstrip("+")
    if name not in DECISION_BANDS:
        raise click.BadParameter(f"{value!r}: choose one of {', '.join(DECISION_BANDS)} (with + for 'or above')",
                                 param_hint="--band")
    return name


@cli.command("candidates")
@tenant_option
@click.option("--band", default=None, metavar="BAND[+]",
              help=f"Only this band or above ({', '.join(DECISION_BANDS)}), e.g. review+.")
@click.option("--type", "types", multiple=True, type=click.Choice(CANDIDATE_TYPES), help="Only these types.")
@click.option("--limit", default=20, show_default=True)
@click.option("--all-tenants", is_flag=True, help="Across every tenant (explicitly crossing the walls).")
@db_option
@json_option
def candidates_command(tenant, band, types, limit, all_tenants, db, as_json):
    """List candidates, best score first, with their explanations."""
    ws = _workspace(db)
    cands = ws.candidates(tenant, min_band=_band(band), types=tuple(types), limit=limit, all_tenants=all_tenants)
    if as_json:
        _emit([to_dict(c) for c in cands])
        return
    _print_candidates(cands, None if tenant and not all_tenants else ws.tenant_slugs())


def _print_candidates(cands, slugs: dict[str, str] | None = None) -> None:
    if not cands:
        click.echo("no candidates")
        return
    for c in cands:
        click.echo(f"{c.score_total:.2f}  {_tenant_col(slugs, c.tenant_id)}{c.decision_band:<26} "
                   f"{c.candidate_type:<10} {c.candidate_id}")
        click.echo(f"      {_short(c.explanation, 150)}")


@cli.command("show")
@click.argument("object_id")
@db_option
@json_option
def show_command(object_id, db, as_json):
    """Show any object by id with its provenance links both ways."""
    obj, out, inc = _workspace(db).show(object_id)
    if as_json:
        _emit({"object": to_dict(obj), "links_out": [to_dict(x) for x in out], "links_in": [to_dict(x) for x in inc]})
        return
    for k, v in to_dict(obj).items():
        if isinstance(v, (dict, list)):
            v = json.dumps(v, ensure_ascii=False, default=str)
        click.echo(f"{k:>22}: {_short(str(v), 200)}")
    if out:
        click.echo("links out:")
        for link in out:
            click.echo(f"  --{link.link_type}--> {link.target_type} {link.target_id}")
    if inc:
        click.echo("links in:")
        for link in inc:
            click.echo(f"  <--{link.link_type}-- {link.source_type} {link.source_id}")


@cli.command("incidents")
@tenant_option
@db_option
@json_option
def incidents_command(tenant, db, as_json):
    """List a tenant's incident memories."""
    ws = _workspace(db)
    slugs = None if tenant else ws.tenant_slugs()
    _list(ws.incidents(tenant), as_json,
          "no incident memories yet (promote a candidate with `brainstem promote ID`)",
          lambda i: f"{_tenant_col(slugs, i.tenant_id)}{i.incident_memory_id}  {i.status:<8} seen {i.recurrence_count}x, last "
                    f"{i.last_observed_at:%Y-%m-%d %H:%M}  {_short(i.title, 90)}")


def _list(items: list, as_json: bool, empty: str, line) -> None:
    """Print a list of objects as JSON, or one line each, or say there are none."""
    if as_json:
        _emit([to_dict(x) for x in items])
        return
    if not items:
        click.echo(empty)
    for x in items:
        click.echo(line(x))


@cli.command("lessons")
@tenant_option
@db_option
@json_option
def lessons_command(tenant, db, as_json):
    """List a tenant's lessons (what was learned from its incident memories)."""
    ws = _workspace(db)
    slugs = None if tenant else ws.tenant_slugs()
    _list(ws.lessons(tenant), as_json,
          "no lessons yet (add one with `brainstem promote ID --lesson TEXT`)",
          lambda x: f"{_tenant_col(slugs, x.tenant_id)}{x.lesson_id}  {_short(x.recommendation, 100)}  (from {', '.join(x.source_incident_memory_ids)})")


@cli.command("hints")
@tenant_option
@db_option
@json_option
def hints_command(tenant, db, as_json):
    """List a tenant's runbook hints (next steps shown when a pattern recurs)."""
    ws = _workspace(db)
    slugs = None if tenant else ws.tenant_slugs()
    _list(ws.hints(tenant), as_json,
          "no runbook hints yet (add one with `brainstem promote ID --hint TEXT`)",
          lambda x: f"{_tenant_col(slugs, x.tenant_id)}{x.runbook_hint_id}  p{x.priority}  {_short(x.hint_text, 100)}  ({_short(x.title, 60)})")


@cli.command("stats")
@db_option
@json_option
def stats_command(db, as_json):
    """Count every kind of object, per tenant."""
    counts = _workspace(db).stats()
    if as_json:
        _emit(counts)
        return
    kinds = ["asset", "event", "signature", "group", "candidate", "incident_memory", "lesson", "runbook_hint",
             "review", "link"]
    click.echo(f"{'TENANT':<16}" + "".join(f"{k[:10]:>11}" for k in kinds))
    for slug, c in sorted(counts.items()):
        click.echo(f"{slug:<16}" + "".join(f"{c.get(k, 0):>11}" for k in kinds))


# -- the human loop ----------------------------------------------------------------------------
@cli.command("review")
@click.argument("subject_id")
@click.option("--decision", "-d", required=True, type=click.Choice(REVIEW_DECISIONS))
@click.option("--notes", default="", help="Why; shown with the decision.")
@click.option("--reviewer", default=lambda: os.environ.get("USER", ""), help="Who decided (default: $USER).")
@db_option
@config_option
@json_option
def review_command(subject_id, decision, notes, reviewer, db, config, as_json):
    """Record a decision on a candidate (or incident memory, lesson); it changes later scores."""
    rev, rescored = _workspace(db, config).review(subject_id, decision, notes=notes, reviewer=reviewer)
    if as_json:
        _emit({"review": to_dict(rev), "rescored": [to_dict(c) for c in rescored]})
        return
    click.echo(f"recorded {rev.decision} on {rev.subject_id} ({rev.review_id})")
    for c in rescored:
        click.echo(f"  rescored {c.candidate_id}: {c.score_total:.2f} {c.decision_band}")


@cli.command("promote")
@click.argument("candidate_id")
@click.option("--title", default=None, help="Title of the incident memory (default: the candidate's).")
@click.option("--lesson", default=None, help="What was learned (creates a Lesson).")
@click.option("--hint", default=None, help="What to do when it recurs (creates a Runbook Hint).")
@click.option("--reviewer", default=lambda: os.environ.get("USER", ""))
@db_option
@config_option
@json_option
def promote_command(candidate_id, title, lesson, hint, reviewer, db, config, as_json):
    """Turn a candidate into (or add it to) an incident memory."""
    inc = _workspace(db, config).promote(candidate_id, title=title, lesson=lesson, hint=hint, reviewer=reviewer)
    if as_json:
        _emit(to_dict(inc))
        return
    click.echo(f"incident memory {inc.incident_memory_id}: {inc.title} (seen {inc.recurrence_count}x)")


@cli.command("recall")
@click.argument("text", required=False)
@click.option("--event", "event_id", default=None, help="Recall by an event id.")
@click.option("--signature", "signature_key", default=None, help="Recall by a signature key.")
@click.option("--candidate", "candidate_id", default=None, help="Recall by a candidate id.")
@click.option("--tenant", "-t", default=None, help="Tenant name (case-insensitive); needed when the database has several.")
@click.option("--limit", default=10, show_default=True)
@db_option
@json_option
def recall_command(text, event_id, signature_key, candidate_id, tenant, limit, db, as_json):
    """Have we seen this before? Matching incident memories, ranked, with lessons and hints."""
    found = _workspace(db).recall(text, tenant=tenant, event_id=event_id, signature_key=signature_key,
                                  candidate_id=candidate_id, limit=limit)
    if as_json:
        _emit([{"incident": to_dict(r.incident), "score": r.score, "reasons": r.reasons,
                "lessons": [to_dict(x) for x in r.lessons], "hints": [to_dict(x) for x in r.hints]} for r in found])
        return
    if not found:
        click.echo("not seen before: no matching incident memory")
        return
    for r in found:
        i = r.incident
        click.echo(f"{r.score:.2f}  {i.incident_memory_id}  {i.title}  (seen {i.recurrence_count}x, last "
                   f"{i.last_observed_at:%Y-%m-%d %H:%M}; {', '.join(r.reasons)})")
        for les in r.lessons:
            click.echo(f"      lesson: {les.recommendation}")
        for h in r.hints:
            click.echo(f"      next step: {h.hint_text}")


# -- demo and database --------------------------------------------------------------------------------
@cli.command("demo")
@click.option("--data-dir", default="demo-data", show_default=True, type=click.Path(file_okay=False),
              help="Where the generated demo logs are written.")
@click.option("--seed", default=7, show_default=True)
@click.option("--top", default=5, show_default=True, help="Candidates shown per tenant.")
@db_option
@json_option
def demo_command(data_dir, seed, top, db, as_json):
    """Generate a week of demo syslog for two tenants, ingest it and show what stands out."""
    from brainstem.demo.run import run_demo
    ws = _workspace(db, create=True)
    result = run_demo(ws, Path(data_dir), seed=seed, top=top)
    if as_json:
        _emit({t: {"ingest": vars(r["stats"]) | {"bad": []}, "top": [to_dict(c) for c in r["top"]],
                   "planted": [{"kind": x["planted"].kind, "description": x["planted"].description,
                                "rank": x["rank"]} for x in r.get("planted", [])]}
               for t, r in result.items()})
        return
    for slug, r in result.items():
        s = r["stats"]
        click.echo(f"\n== tenant {slug}: {s.lines_read} lines read, {s.events_stored} events stored, "
                   f"{s.duplicates} duplicates skipped, {s.bad_lines} bad lines, {s.elapsed:.2f}s, "
                   f"{s.rate:,.0f} events/s")
        _print_candidates(r["top"])
        found = ", ".join(f"{x['planted'].kind} #{x['rank']}" if x["rank"] else f"{x['planted'].kind} not found"
                          for x in r.get("planted", []))
        if found:
            click.echo(f"   planted in {slug}'s logs, and where brainstem ranked them: {found}")
    first = next((r["top"][0] for r in result.values() if r["top"]), None)
    if first is not None:
        click.echo("\nNext: look closer, then tell brainstem what you think:")
        click.echo(f"  .venv/bin/brainstem show {first.candidate_id} --db {db}")
        click.echo(f"  .venv/bin/brainstem review {first.candidate_id} --decision useful --db {db}")
        click.echo(f"  .venv/bin/brainstem promote {first.candidate_id} --hint 'check the backup target' --db {db}")
        slug = next(t for t, r in result.items() if r["top"] and r["top"][0] is first)
        click.echo(f"  .venv/bin/brainstem recall 'Backup job nightly-db failed' --tenant {slug} --db {db}")


@cli.group("db", cls=_Group)
def db_group():
    """Database maintenance."""


@db_group.command("upgrade")
@db_option
def db_upgrade_command(db):
    """Apply pending schema migrations to an existing database."""
    ws = _workspace(db, create=False, upgrade=True)
    for name in ws.store.applied:
        click.echo(f"applied migration {name}")
    click.echo(f"{db}: schema version {ws.store.schema_version()}")


# -- the rule engine ---------------------------------------------------------------------------------
@cli.command("nb")
@click.argument("files", nargs=-1)
@click.option("--test", "test_mode", is_flag=True, help="Print every timestamp as 0000-00-00 00:00:00 (like nb ++test).")
@click.option("--allow-shell", is_flag=True, help="Run shell actions (- and =); otherwise they are reported and skipped.")
@click.option("--clock", metavar="TIME", default=None,
              help="Start the engine clock at TIME (ISO 8601, e.g. 2024-02-27T10:15:30Z) instead of now.")
def nb_command(files: tuple[str, ...], test_mode: bool, allow_shell: bool, clock: str | None) -> None:
    """Run NodeBrain rule files (or stdin with '-' or no FILE) and print NodeBrain's log.
    (The `brainstem` command runs this without loading the CLI: brainstem/entry.py.)"""
    from brainstem.rules.interpreter import run_nb

    from brainstem.rules.interpreter import parse_clock

    start = None
    if clock:
        try:
            start = parse_clock(clock)
        except ValueError:
            raise click.BadParameter(f"{clock!r} is not an ISO 8601 time", param_hint="--clock") from None
    code = run_nb(list(files) or ["-"], test_mode=test_mode, allow_shell=allow_shell, out=sys.stdout,
                  clock=start)
    sys.exit(code)


def _register_command_modules() -> None:
    """Commands of the live half (serve, follow, keys, lm-sync...) live in brainstem/commands/."""
    from brainstem.commands import register
    register(cli)


_register_command_modules()


def main() -> None:
    global _exit_without_teardown
    _exit_without_teardown = False     # only what this run does ends it early
    try:
        cli(prog_name="brainstem")
    except SystemExit as exc:
        if exc.code in (0, None) and _exit_without_teardown:
            _exit_now()
        raise
    except BrokenPipeError:
        # `brainstem signatures | head -1`: the reader closed the pipe, which is normal
        # use. Exit quietly as Unix tools do; point stdout at /dev/null so the
        # interpreter's final flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)


def _exit_now() -> None:
    """End a successful run at once: output flushed and logging shut down (what the
    interpreter's exit would still have done for it), nothing else left open."""
    import logging
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:     # the reader went away: exit as `main` does then
        os._exit(141)
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    main()
