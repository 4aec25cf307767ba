"""brainstem.sources: live sources that decode what arrives into ``Record``s.

The HTTP ones (``events``: the events schema; ``webhook``: configured field
mappings; ``body``: splitting a JSON or NDJSON body) are called by the ingest
routes of ``brainstem.api``; each returns records and the elements it refused.
"""
