"""brainstem.sources: live sources that feed the service's queue.

Each turns what arrives (syslog frames, file lines, webhook bodies, LogicMonitor
alerts) into ``Record``s with the same parsers file ingest uses, routes them to
a tenant and hands them on as ``Inbound`` messages. None of them fingerprints,
detects or scores: that is the pipeline's, once, for every source.

The HTTP ones (``events``: the events schema; ``webhook``: configured field
mappings; ``body``: splitting a JSON or NDJSON body) are called by the ingest
routes of ``brainstem.api``; each returns records and the elements it refused.
"""
