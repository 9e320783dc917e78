"""Many reviewers at once: audited reads write to the hash-chained audit log; on SQLite the
web app serialises its write transactions so none fails with "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from web_support import login


def test_concurrent_finding_views_all_succeed_and_keep_the_chain(web):
    from chatwarden.store import audit

    clients = []
    for _ in range(8):
        c = TestClient(web.app)
        assert login(c, "reviewer").status_code == 303
        clients.append(c)
    ids = [web.ids["finding"], *web.ids["spare_findings"][:3]]

    def work(c):
        return [c.get(f"/findings/{fid}").status_code for _ in range(4) for fid in ids]

    with ThreadPoolExecutor(8) as pool:
        codes = [code for result in pool.map(work, clients) for code in result]
    assert codes == [200] * len(codes)
    with web.store.read() as conn:
        assert audit.verify(conn).ok
