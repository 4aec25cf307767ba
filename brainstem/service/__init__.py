"""brainstem.service: the live process behind `brainstem serve`.

Sources (``brainstem.sources``) decode what arrives into records and put them
on one bounded :class:`IngestQueue`; a single :class:`Writer` thread owns the
store's write connection and every tenant's :class:`TenantPipeline`, commits a
batch at least every ``serve_commit_seconds`` (or every ``serve_batch_max``
messages) and resolves each submission's future once it is stored. The REST
API reads on its own connections and sends its writes (reviews, promotions,
keys) through the same writer, so the live pipelines see them at once.
"""
from .inbound import Inbound
from .queue import IngestQueue, QueueClosed

__all__ = ["Inbound", "IngestQueue", "QueueClosed"]
