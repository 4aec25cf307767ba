"""Prometheus metrics of the live service (``GET /metrics``).

One registry per service, so tests (and several services in one process) never
share counters. Names follow Prometheus conventions; every label set is small
and bounded (source names come from the config, bands from the model).
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily

from brainstem.models import DECISION_BANDS

disable_created_metrics()      # the *_created series only double the output

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0)
_LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.received = Counter("brainstem_messages_received", "Messages received, per source.", ["source"], registry=r)
        self.stored = Counter("brainstem_messages_stored", "Messages committed to the store (new or already there), per source.",
                              ["source"], registry=r)
        self.dropped = Counter("brainstem_messages_dropped", "Messages dropped, per source and reason (queue_full, ...).",
                               ["source", "reason"], registry=r)
        self.bad = Counter("brainstem_messages_bad", "Malformed messages or frames, per source.", ["source"], registry=r)
        self.refused = Counter("brainstem_messages_refused", "Messages refused, per source and reason (unrouted, auth, ...).",
                               ["source", "reason"], registry=r)
        self.truncated = Counter("brainstem_messages_truncated", "Over-long messages cut to the maximum size.", ["source"],
                                 registry=r)
        self.queue_depth = Gauge("brainstem_queue_depth", "Messages waiting for the writer.", registry=r)
        self.connections = Gauge("brainstem_connections", "Open connections, per listener.", ["listener"], registry=r)
        self.commit_seconds = Histogram("brainstem_batch_commit_seconds", "Time to process and commit one batch.",
                                        buckets=_LATENCY_BUCKETS, registry=r)
        self.batch_messages = Histogram("brainstem_batch_messages", "Messages per committed batch.",
                                        buckets=(1, 10, 100, 500, 1000, 2000, 5000, 10000), registry=r)
        self.lag = Histogram("brainstem_ingest_lag_seconds", "Receive time minus event time, per stored message.",
                             buckets=_LAG_BUCKETS, registry=r)
        self.stored_latency = Histogram("brainstem_receive_to_stored_seconds",
                                        "From receipt by a source to the commit that stored it, per message.",
                                        buckets=_LATENCY_BUCKETS, registry=r)
        self.rule_firings = Counter("brainstem_rule_firings", "Rule firings that became evidence, per tenant.", ["tenant"],
                                    registry=r)
        self.write_errors = Counter("brainstem_write_errors", "Batches that failed to commit.", registry=r)
        self._band_source = None

    def watch_bands(self, counts) -> None:
        """``counts()`` -> {(tenant, band): n}; read at each scrape for the candidates-by-band gauge.
        Calling it again replaces the source (the collector is registered once)."""
        first = self._band_source is None
        self._band_source = counts
        if first:
            self.registry.register(_BandCollector(self))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _BandCollector:
    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def describe(self):
        return []

    def collect(self):
        g = GaugeMetricFamily("brainstem_candidates", "Candidates per tenant and decision band.", labels=["tenant", "band"])
        source = self.metrics._band_source
        counts = source() if source else {}
        for (tenant, band), n in sorted(counts.items()):
            if band in DECISION_BANDS:
                g.add_metric([tenant, band], n)
        yield g
