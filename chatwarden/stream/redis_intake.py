"""Redis Streams intake (redis-py): one stream, one consumer group shared by every monitor
process, a dead-letter stream.

* ``push``: ``XADD stream * d <envelope>``; with a ``dedup_key`` a Lua script first sets
  ``<stream>:seen:<key>`` (``SET NX EX``) and adds only when the key was new, atomically,
  so a webhook retry inside the window adds nothing.
* ``read``: ``XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS stream >``.
* ``claim_stale``: ``XAUTOCLAIM`` entries idle for ``min_idle_ms`` (a consumer that died
  holds them), with their delivery counts from ``XPENDING``; entries deleted from the
  stream while pending are acknowledged away.
* ``ack``: ``XACK`` after the store committed.
* ``dead_letter``: ``XADD <dead> d <envelope> reason <reason> origin <id> ...`` and ``XACK``
  in one MULTI/EXEC.
* ``housekeeping``: trims entries that every consumer group has acknowledged
  (``XTRIM MINID ~``) and drops consumers idle for an hour with nothing pending.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import redis

from chatwarden.errors import ConfigError
from chatwarden.stream.intake import Delivery, Intake, IntakeStats, default_consumer_name

if TYPE_CHECKING:
    from chatwarden.config import Settings

FIELD = b"d"
IDLE_CONSUMER_MS = 3600_000

_PUSH_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  return redis.call('XADD', KEYS[1], '*', 'd', ARGV[1])
end
return false
"""


def _ms(entry_id: bytes | str) -> int:
    s = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(s.split("-", 1)[0])


def _next_id(entry_id: str) -> str:
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


class RedisIntake(Intake):
    def __init__(self, client: redis.Redis, stream: str, group: str, dead_stream: str, consumer: str | None = None,
                 *, dedup_seconds: int = 48 * 3600, trim: bool = True) -> None:
        self.r = client
        self.stream = stream
        self.group = group
        self.dead_stream = dead_stream
        self.consumer = consumer or default_consumer_name()
        self.dedup_seconds = max(1, int(dedup_seconds))
        self.trim = trim
        self._push_once = self.r.register_script(_PUSH_ONCE)
        self._group_ready = False

    @classmethod
    def from_settings(cls, settings: Settings, consumer: str | None = None) -> RedisIntake:
        timeout = max(30.0, settings.monitor_block_ms / 1000 + 10)
        try:
            client = redis.Redis.from_url(settings.redis_url, socket_timeout=timeout, socket_connect_timeout=10,
                                          health_check_interval=30)
        except ValueError:
            raise ConfigError("setting 'redis_url' is not a valid Redis URL") from None
        return cls(client, settings.stream_name, settings.consumer_group, settings.dead_letter_stream, consumer,
                   dedup_seconds=settings.webhook_dedup_hours * 3600, trim=settings.stream_trim)

    # ------------------------------------------------------------------ producers
    def push(self, data: bytes, *, key: str | None = None, dedup_key: str | None = None) -> bool:
        if dedup_key is None:
            self.r.xadd(self.stream, {FIELD: data})
            return True
        added = self._push_once(keys=[self.stream, f"{self.stream}:seen:{dedup_key}"],
                                args=[data, self.dedup_seconds])
        return added is not None

    def push_many(self, items: Sequence[tuple[bytes, str | None, str | None]]) -> int:
        pipe = self.r.pipeline(transaction=False)
        for data, _key, dedup in items:
            if dedup is None:
                pipe.xadd(self.stream, {FIELD: data})
            else:
                self._push_once(keys=[self.stream, f"{self.stream}:seen:{dedup}"], args=[data, self.dedup_seconds],
                                client=pipe)
        return sum(1 for res in pipe.execute() if res is not None)

    # ------------------------------------------------------------------ consumers
    def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.r.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def read(self, count: int, block_ms: int) -> list[Delivery]:
        self.ensure_group()
        res = self.r.xreadgroup(self.group, self.consumer, {self.stream: ">"}, count=count, block=block_ms or None)
        out = []
        for _name, entries in res or ():
            for entry_id, fields in entries:
                eid = entry_id.decode()
                out.append(Delivery(eid, fields.get(FIELD, b""), 1, _ms(eid)))
        return out

    def claim_stale(self, min_idle_ms: int, count: int) -> list[Delivery]:
        self.ensure_group()
        claimed: list[tuple[str, bytes]] = []
        start = "0-0"
        while len(claimed) < count:
            res = self.r.xautoclaim(self.stream, self.group, self.consumer, min_idle_ms, start_id=start,
                                    count=count - len(claimed))
            nxt, entries = res[0], res[1]
            deleted = res[2] if len(res) > 2 else []
            if deleted:
                self.r.xack(self.stream, self.group, *deleted)
            for entry_id, fields in entries:
                if fields is None:  # deleted while pending (older servers)
                    self.r.xack(self.stream, self.group, entry_id)
                    continue
                claimed.append((entry_id.decode(), fields.get(FIELD, b"")))
            start = nxt.decode() if isinstance(nxt, bytes) else nxt
            if start == "0-0":
                break
        if not claimed:
            return []
        counts: dict[str, int] = {}
        ids = sorted(claimed, key=lambda c: tuple(int(x) for x in c[0].split("-")))
        info = self.r.xpending_range(self.stream, self.group, min=ids[0][0], max=ids[-1][0], count=len(ids) * 2 + 10,
                                     consumername=self.consumer)
        for row in info:
            mid = row["message_id"]
            counts[mid.decode() if isinstance(mid, bytes) else mid] = int(row["times_delivered"])
        return [Delivery(eid, data, counts.get(eid, 2), _ms(eid)) for eid, data in claimed]

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            self.r.xack(self.stream, self.group, *[d.id for d in deliveries])

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.xadd(self.dead_stream, {
            FIELD: delivery.data, b"reason": reason.encode("utf-8"), b"origin": delivery.id.encode(),
            b"consumer": self.consumer.encode(), b"group": self.group.encode(),
            b"deliveries": str(delivery.deliveries).encode(), b"at_ms": str(int(time.time() * 1000)).encode(),
        })
        pipe.xack(self.stream, self.group, delivery.id)
        pipe.execute()

    def reject(self, data: bytes, reason: str, origin: str) -> None:
        self.r.xadd(self.dead_stream, {
            FIELD: data, b"reason": reason.encode("utf-8"), b"origin": origin.encode("utf-8"),
            b"at_ms": str(int(time.time() * 1000)).encode(),
        })

    def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The newest dead letters: id, reason, origin and time (never the envelope)."""
        out = []
        for entry_id, fields in self.r.xrevrange(self.dead_stream, count=count):
            out.append({
                "id": entry_id.decode(), "reason": fields.get(b"reason", b"").decode("utf-8", "replace"),
                "origin": fields.get(b"origin", b"").decode("utf-8", "replace"),
                "deliveries": fields.get(b"deliveries", b"").decode() or None,
            })
        return out

    def stats(self) -> IntakeStats:
        length = self.r.xlen(self.stream)
        dead = self.r.xlen(self.dead_stream)
        lag = pending = consumers = 0
        try:
            groups = self.r.xinfo_groups(self.stream)
        except redis.ResponseError:  # no stream yet
            groups = []
        for g in groups:
            name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
            if name != self.group:
                continue
            pending = int(g.get("pending") or 0)
            consumers = int(g.get("consumers") or 0)
            raw_lag = g.get("lag")
            lag = int(raw_lag) if raw_lag is not None else length
        return IntakeStats(length, lag, pending, consumers, dead)

    def housekeeping(self) -> None:
        try:
            groups = self.r.xinfo_groups(self.stream)
        except redis.ResponseError:
            return
        if not groups:
            return
        floor: tuple[int, int] | None = None
        for g in groups:
            gname = g["name"]
            summary = self.r.xpending(self.stream, gname)
            if summary and summary.get("pending"):
                low = summary["min"]
                low = low.decode() if isinstance(low, bytes) else low
            else:
                last = g["last-delivered-id"]
                low = _next_id(last.decode() if isinstance(last, bytes) else last)
            key = tuple(int(x) for x in low.split("-"))
            floor = key if floor is None or key < floor else floor
            if (gname.decode() if isinstance(gname, bytes) else gname) == self.group:
                for c in self.r.xinfo_consumers(self.stream, self.group):
                    cname = c["name"].decode() if isinstance(c["name"], bytes) else c["name"]
                    if cname != self.consumer and int(c.get("pending") or 0) == 0 \
                            and int(c.get("idle") or 0) > IDLE_CONSUMER_MS:
                        self.r.xgroup_delconsumer(self.stream, self.group, cname)
        if self.trim and floor is not None and floor > (0, 1):
            self.r.xtrim(self.stream, minid=f"{floor[0]}-{floor[1]}", approximate=True)

    def ping(self) -> bool:
        try:
            return bool(self.r.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self.r.close()
