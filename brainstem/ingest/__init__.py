"""brainstem.ingest"""
