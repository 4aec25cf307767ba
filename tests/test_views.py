"""Composite reads for the console: a signature with its examples, variables and aliases;
an incident with its recurrences, lessons and hints; incident search."""
from __future__ import annotations

import shutil

import pytest

from tests.api.conftest import seed, settings  # noqa: F401

from brainstem.store import WriteBatch
from brainstem.workspace import Workspace


@pytest.fixture
def ws(seed, tmp_path):
    db = tmp_path / "v.db"
    shutil.copy(seed.db, db)
    with Workspace(db, settings()) as w:
        yield w


def test_a_signature_view_has_examples_variables_and_its_tenants_candidates_only(ws, seed):
    sig = ws.signature_page("acme", text="Backup job").items[0]
    view = ws.signature_view(sig.signature_id)
    assert view.examples and all(e.signature_key == sig.signature_key for e in view.examples)
    assert [e.timestamp for e in view.examples] == sorted((e.timestamp for e in view.examples), reverse=True)
    assert view.variables, "the JobId varies"
    values = [v for vals in view.variables.values() for v, _ in vals]
    assert any(v.startswith("10") for v in values)
    assert view.candidates and all(c.tenant_id == sig.tenant_id for c in view.candidates)
    assert [i.incident_memory_id for i in view.incidents] == [seed.ids["acme"]["incident"]]
    assert view.heir is None and view.aliases == []


def test_a_merged_signature_knows_its_heir_and_the_heir_its_alias(ws):
    a, b = ws.signature_page("acme", limit=2).items
    tid = a.tenant_id
    ws.store.write(WriteBatch(aliases=[(tid, b.signature_key, a.signature_key)]))
    heir, retired = ws.signature_view(a.signature_id), ws.signature_view(b.signature_id)
    assert [s.signature_key for s in heir.aliases] == [b.signature_key]
    assert retired.heir.signature_id == a.signature_id
    assert ws.merged_keys("acme") == {a.signature_key: [b.signature_key]}
    # the heir's examples include the retired key's events
    assert {e.signature_key for e in heir.examples} <= {a.signature_key, b.signature_key}


def test_an_incident_view_has_its_recurrences_lessons_and_hints(ws, seed):
    iid = seed.ids["acme"]["incident"]
    view = ws.incident_view(iid)
    assert [r.kind for r in view.recurrences].count("promoted") == len(view.incident.source_candidate_ids)
    assert [r.at for r in view.recurrences] == sorted(r.at for r in view.recurrences)
    assert [x.summary for x in view.lessons] == ["acme lesson"] and [h.hint_text for h in view.hints] == ["acme hint"]
    assert all(x.tenant_id == view.incident.tenant_id for x in view.links_in + view.links_out)
    with pytest.raises(LookupError):
        ws.incident_view("inc_000000000000000000000000")


def test_incident_search_wants_every_word(ws, seed):
    iid = seed.ids["acme"]["incident"]
    assert [i.incident_memory_id for i in ws.find_incidents("acme", "nightly BACKUP")] == [iid]
    assert ws.find_incidents("acme", "nightly printer") == []
    assert [i.incident_memory_id for i in ws.find_incidents("acme")] == [iid]
    assert ws.find_incidents("acme", status="retired") == []
