"""brainstem.sources: live sources that turn what arrives into records for the service's queue.

Each source decodes its wire format into :class:`brainstem.ingest.record.Record`
objects and hands them, routed to a tenant, to ``brainstem.service``; parsing
of a body never touches the store.
"""
