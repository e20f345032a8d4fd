"""Load figures for the PyLearn API on loopback (a benchmark, not a test).

Starts the real server (``python -m pylearn_jupyter.api`` under uvicorn) on a temporary
SQLite file and on a temporary PostgreSQL cluster it starts itself, then prints:

* the PBKDF2 bound: hashes per second on every core (a process pool of os.cpu_count());
* logins per second achieved, and their ratio to that bound (goal >= 90%);
* a trivial endpoint (``GET /api/v1/health``) at 64 concurrent clients, requests per second;
* submission batches (10 items each) at 64 concurrent clients, batches per second with
  p50/p99 latency, and their ratio to the trivial endpoint (goal >= 50%, p99 < 100 ms).

Every phase is bounded in request count and in time. Usage:

    python bench/api_load.py [--no-postgres] [--workers N] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

API = "/api/v1"
CONCURRENCY = 64
ITERATIONS = 100_000
PASSWORD = "benchmark password"
PHASE_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hash_once(_: int) -> None:
    hashlib.pbkdf2_hmac("sha256", b"benchmark password", os.urandom(16), ITERATIONS)


def pbkdf2_bound(seconds: float = 4.0) -> float:
    """Hashes per second with every core busy (the ceiling for logins)."""
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_hash_once, range(workers)))  # warm up the processes
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            list(pool.map(_hash_once, range(workers * 4)))
            done += workers * 4
        return done / (time.perf_counter() - started)


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL on 127.0.0.1 (as the postgres user when run as root)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl")]
    if not found or not found[-1]:
        raise SystemExit("PostgreSQL binaries not found: apt-get install -y postgresql")
    bin_dir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="pylearn-bench-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = root / "data"
    subprocess.run(
        [
            *prefix,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {root} -c max_connections=300"
    subprocess.run(
        [
            *prefix,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def api_server(database_url: str, workers: int) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYLEARN_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pylearn_jupyter.api",
            "--port",
            str(port),
            "--database",
            database_url,
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + API + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the API server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


class Connection:
    """A minimal HTTP/1.1 keep-alive client: at 64 concurrent connections httpx's own
    overhead, not the server, would be what gets measured."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        status_and_headers = await self.reader.readuntil(b"\r\n\r\n")
        lines = status_and_headers.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def run_load(
    base: str, total: int, concurrency: int, make_request
) -> tuple[float, list[float]]:
    """Send ``total`` requests from ``concurrency`` connections; returns (req/s, latencies)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    sent = 0
    deadline = time.perf_counter() + PHASE_SECONDS
    connections = [Connection(host, int(port)) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in connections))

    async def client(index: int, connection: Connection) -> None:
        nonlocal sent
        while sent < total and time.perf_counter() < deadline:
            sent += 1
            started = time.perf_counter()
            status, body = await make_request(connection, index)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                raise RuntimeError(f"{status}: {body[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(client(i, c) for i, c in enumerate(connections)))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return len(latencies) / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


async def measure(base: str, requests: int, bound: float) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        tokens = []
        for _ in range(8):
            name = f"b{uuid.uuid4().hex[:12]}"
            response = await http.post(
                f"{API}/auth/register",
                json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
            )
            tokens.append((name, response.json()["token"]))

    logins_wanted = max(40, int(bound * 6))

    async def login(http: Connection, index: int) -> tuple[int, bytes]:
        name = tokens[index % len(tokens)][0]
        return await http.request(
            "POST", f"{API}/auth/login", {"login": name, "password": PASSWORD}
        )

    logins, _ = await run_load(base, logins_wanted, 16, login)

    async def health(http: Connection, _: int) -> tuple[int, bytes]:
        return await http.request("GET", f"{API}/health")

    await run_load(base, 200, CONCURRENCY, health)  # warm-up
    trivial, trivial_lat = await run_load(base, requests, CONCURRENCY, health)

    async def submit(http: Connection, index: int) -> tuple[int, bytes]:
        _, token = tokens[index % len(tokens)]
        items = [
            {
                "id": str(uuid.uuid4()),
                "exercise_id": f"bench.ex{n % 5}",
                "code": f"answer = {n}\nprint(answer)\n",
                "passed": n % 3 == 0,
                "submitted_at": "2025-01-01T12:00:00Z",
            }
            for n in range(10)
        ]
        return await http.request("POST", f"{API}/submissions", {"items": items}, token)

    batches, batch_lat = await run_load(base, requests, CONCURRENCY, submit)
    return {
        "logins": logins,
        "trivial": trivial,
        "trivial_p50": pct(trivial_lat, 50),
        "trivial_p99": pct(trivial_lat, 99),
        "batches": batches,
        "batch_p50": pct(batch_lat, 50),
        "batch_p99": pct(batch_lat, 99),
    }


def report(label: str, figures: dict[str, float], bound: float) -> None:
    print(f"\n== {label}")
    print(
        f"logins/s                  {figures['logins']:8.1f}   "
        f"{figures['logins'] / bound:6.1%} of the PBKDF2 bound (goal >= 90%)"
    )
    print(
        f"health requests/s (64 c.) {figures['trivial']:8.1f}   "
        f"p50 {figures['trivial_p50']:.1f} ms  p99 {figures['trivial_p99']:.1f} ms"
    )
    print(
        f"submission batches/s      {figures['batches']:8.1f}   "
        f"p50 {figures['batch_p50']:.1f} ms  p99 {figures['batch_p99']:.1f} ms   "
        f"{figures['batches'] / figures['trivial']:6.1%} of health (goal >= 50%)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgres", action="store_true", help="only SQLite")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--requests", type=int, default=3000, help="requests per throughput phase (default 3000)"
    )
    args = parser.parse_args()

    print(
        f"cores: {os.cpu_count()}   uvicorn workers: {args.workers}   "
        f"clients: {CONCURRENCY}   batch: 10 submissions"
    )
    bound = pbkdf2_bound()
    print(f"PBKDF2-SHA256 x{ITERATIONS:,}: {bound:.1f} hashes/s on all cores (the login bound)")

    with tempfile.TemporaryDirectory(prefix="pylearn-bench-") as folder:
        with api_server(f"sqlite:///{folder}/bench.db", args.workers) as base:
            report("SQLite", asyncio.run(measure(base, args.requests, bound)), bound)
    if not args.no_postgres:
        with postgres_cluster() as url, api_server(url, args.workers) as base:
            report("PostgreSQL", asyncio.run(measure(base, args.requests, bound)), bound)
    return 0


if __name__ == "__main__":
    sys.exit(main())
