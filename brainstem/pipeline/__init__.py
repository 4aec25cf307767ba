"""The pipeline that ties the stages together for one tenant."""
from brainstem.pipeline.ingest import ingest_paths
from brainstem.pipeline.runner import RunStats, TenantPipeline

__all__ = ["RunStats", "TenantPipeline", "ingest_paths"]
