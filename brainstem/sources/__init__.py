"""brainstem.sources: live sources that feed the service's queue.

Each turns what arrives (syslog frames, file lines, webhook bodies, LogicMonitor
alerts) into ``Record``s with the same parsers file ingest uses, routes them to
a tenant and hands them on as ``Inbound`` messages. None of them fingerprints,
detects or scores: that is the pipeline's, once, for every source.
"""
