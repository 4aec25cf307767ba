"""What a live source hands to the writer: one routed, decoded message."""
from __future__ import annotations

from dataclasses import dataclass

from brainstem.ingest.record import Record


@dataclass(slots=True)
class Inbound:
    """One accepted message: its tenant (already routed), its record, where it came from.

    ``source`` names the source for metrics (``syslog-tcp``, ``webhook:github``,
    ``logicmonitor``...). ``received_at`` is the wall clock at receipt
    (``time.time()``), used only for the ingest-lag metric, never as event time
    unless the message carried none (the source then sets ``record.timestamp``).
    ``state`` is an optional checkpoint row the writer commits together with the
    batch that stores this message (a followed file's inode and offset, a poller's
    cursor): ``(component, version, data)`` under the message's tenant.
    """

    tenant: str
    record: Record
    source: str
    received_at: float
    state: tuple[str, int, dict] | None = None
