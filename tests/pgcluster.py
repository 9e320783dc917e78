"""A throwaway PostgreSQL cluster for tests: initdb in a temp folder, start on a free port
(loopback and a private socket folder), yield a URL, stop and delete at the end.

PostgreSQL comes from Debian (``./dev test`` installs it).  initdb refuses to run as root,
so under root the cluster runs as the ``postgres`` system user via ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


def find_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_dev_null() -> None:
    """initdb writes to /dev/null as the cluster's user.  Some container sandboxes ship
    /dev/null as a root-only regular file; restore the standard character device."""
    import stat

    st = os.stat("/dev/null")
    if stat.S_ISCHR(st.st_mode) and st.st_mode & 0o002:
        return
    if os.geteuid() != 0:
        raise RuntimeError("/dev/null is not a world-writable device and we are not root to repair it")
    tmp = "/dev/null.chatwarden-new"
    subprocess.run(["mknod", "-m", "666", tmp, "c", "1", "3"], check=True)
    os.replace(tmp, "/dev/null")


@contextmanager
def cluster() -> Iterator[str]:
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    root = tempfile.mkdtemp(prefix="cw-pg-")
    os.chmod(root, 0o755)
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.makedirs(sock)
    as_root = os.geteuid() == 0
    ensure_dev_null()
    if as_root:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")

    def run(args: list[str], **kw) -> subprocess.CompletedProcess:
        cmd = (["runuser", "-u", "postgres", "--"] if as_root else []) + args
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

    port = _free_port()
    try:
        run([f"{bindir}/initdb", "-D", data, "-U", "cw", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        run([f"{bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l", os.path.join(root, "log"), "-o",
             f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
             f"-c full_page_writes=off", "start"])
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "cw", "cwtest"])
        yield f"postgresql://cw@127.0.0.1:{port}/cwtest"
    finally:
        try:
            run([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"])
        except Exception:  # noqa: BLE001 - it may not have started
            pass
        shutil.rmtree(root, ignore_errors=True)


def new_database(base_url: str, name: str) -> str:
    """Create a fresh database on the running cluster; return its URL."""
    import psycopg

    admin = base_url.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(admin.replace("postgresql://", "postgres://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name
