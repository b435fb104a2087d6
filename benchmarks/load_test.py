"""Load test on loopback only: N concurrent clients for T seconds against /v1/ask (bounded in count and time).

Starts `boligassistent serve` on 127.0.0.1 (development auth off, rate limit off) over an existing index,
then reports throughput, p50/p95/p99 latency, errors and the server's peak RSS. Also reports the
single-client /v1/ask latency measured first in the same run (the baseline), and /healthz latency while loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

SHARED_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def client(url: str, questions: list[str], deadline: float, max_requests: int, out: list, errors: list) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        while time.monotonic() < deadline and len(out) + len(errors) < max_requests:
            t = time.perf_counter()
            try:
                r = await http.post(url + "/v1/ask", json={"question": random.choice(questions)})
                if r.status_code == 200:
                    out.append((time.perf_counter() - t) * 1000)
                else:
                    errors.append(r.status_code)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)


async def probe_health(url: str, deadline: float, out: list) -> None:
    """GET /healthz twice a second while the clients run: liveness must not wait for the busy worker threads."""
    async with httpx.AsyncClient(timeout=30) as http:
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                r = await http.get(url + "/healthz")
                out.append((time.perf_counter() - t) * 1000 if r.status_code == 200 else float("inf"))
            except httpx.HTTPError:
                out.append(float("inf"))
            await asyncio.sleep(0.5)


async def run(url: str, questions: list[str], clients: int, seconds: float,
              max_requests: int) -> tuple[list, list, list, float]:
    out: list = []
    errors: list = []
    health: list = []
    start = time.monotonic()
    await asyncio.gather(probe_health(url, start + seconds, health),
                         *(client(url, questions, start + seconds, max_requests, out, errors) for _ in range(clients)))
    return out, errors, health, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--index", type=Path, default=None)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for f in sorted((SHARED_CORPUS.parent / "evals").glob("*.jsonl"))
                 for line in f.open()]
    questions = questions or ["Kan en student få bostøtte?"]
    port = free_port()
    env = dict(os.environ, BOLIG_DEV_NO_AUTH="true", BOLIG_RATE_LIMIT_PER_MINUTE="0", BOLIG_HOST="127.0.0.1",
               BOLIG_PORT=str(port),
               BOLIG_LOG_LEVEL="WARNING", BOLIG_STATE_DB=str(Path("/tmp") / f"bolig-load-{port}.sqlite3"))
    if args.index:
        env["BOLIG_INDEX_DIR"] = str(args.index)
    server = subprocess.Popen([sys.executable, "-m", "boligassistent.cli", "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("server did not become ready")
        single = []
        with httpx.Client(timeout=30) as http:
            for q in questions * 2:
                t = time.perf_counter()
                http.post(url + "/v1/ask", json={"question": q}).raise_for_status()
                single.append((time.perf_counter() - t) * 1000)
        print(f"baseline, 1 client: /v1/ask p50 {np.percentile(single, 50):.1f} ms, "
              f"p95 {np.percentile(single, 95):.1f} ms (n={len(single)})")
        print(f"server RSS after warm-up: {rss_mb(server.pid):.0f} MB")
        latencies, errors, health, elapsed = asyncio.run(run(url, questions, args.clients, args.seconds, args.max_requests))
        lat = np.array(latencies) if latencies else np.zeros(1)
        print(f"{args.clients} clients, {elapsed:.0f} s: {len(latencies)} ok, {len(errors)} errors, "
              f"{len(latencies) / elapsed:.1f} req/s")
        print(f"latency under load: p50 {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms, "
              f"p99 {np.percentile(lat, 99):.0f} ms")
        print(f"/healthz under load: p50 {np.percentile(health, 50):.0f} ms, max {max(health):.0f} ms (n={len(health)})")
        print(f"server RSS after load: {rss_mb(server.pid):.0f} MB")
        if errors:
            print("error kinds:", {str(e): errors.count(e) for e in set(errors)})
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
