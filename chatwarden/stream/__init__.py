"""Continuous monitoring at scale (docs/stream.md).

::

    capture connectors ──► intake ──────────────► monitor processes ──► store
    (gateways, webhook)    (Redis stream | Kafka)  (consumer group)      (SQLite | PostgreSQL)
    archives ─────────────► backscan (local | Spark mapInArrow) ──► Parquet findings ──► store

* :mod:`.envelope` - the message envelope: frozen dataclass, strict validation with
  reasons that name the field, the shipped JSON Schema, mapping to :class:`~chatwarden.model.Message`.
* :mod:`.intake` - the intake interface; :mod:`.redis_intake` and :mod:`.kafka_intake`.
* :mod:`.pipeline` - detection, policy and the store writes of one batch (one transaction).
* :mod:`.monitor` - the consuming loop; :mod:`.metrics` - Prometheus text and health endpoints.
* :mod:`.webhook` - the WhatsApp Business Cloud API webhook router.
* :mod:`.backscan` - the back-scan function over Arrow record batches and its two engines.
* :mod:`.generate` - synthetic envelopes for tests and benchmarks.
"""
