"""Measure fetch stacks on the generated site: CPU seconds per 1,000 requests, and wall time.

    .venv/bin/python scripts/measure_fetch.py [--pages 2000] [--runs 5] [--threads 2] [--baseline REF]
    .venv/bin/python scripts/measure_fetch.py --crawl [--runs 3]     # whole `sunset crawl`, paired
    .venv/bin/python scripts/measure_fetch.py --fidelity             # which odd answers pycurl keeps

Issue 26 asked for a fetch stack that does not hold the interpreter lock per request. Stacks:

- ``requests``: the crawl's fetch before issue 26 (requests, urllib3, http.client, a tape on the
  socket), taken from git at ``--baseline`` (default: the commit before ``crawl/http_client.py``
  was added) and run from a temporary copy of that tree;
- ``sockets``: this tree's :func:`crawl.http_fetch.fetch` (sunset's own HTTP/1.1 on the socket);
- ``pycurl``: libcurl through pycurl with what the crawl would need of it (transfer and content
  decoding off, the head from the header callback, the request from the debug callback, the body
  spooled and hashed); a floor for what libcurl costs, not a crawler.

The generated 1998-style site (``benchmarks.generate_site``) is served by ``benchmarks.server`` in
its own process. Every stack fetches every file of it with ``--threads`` threads (one session each,
as the crawl's fetch threads), in a fresh process that first imports and warms up; the process's
own user + system time over the fetches is the figure (the machine is shared, so wall time is
noisy; CPU seconds are what the interpreter lock serialises). Runs alternate the stacks, in a
different order each time; medians are printed.

``--crawl`` runs ``sunset crawl`` on the same site with the baseline tree and with this one,
alternately, and reports the crawl's CPU (its link workers included) and wall time.
``--fidelity`` fetches every route of ``tests/fault_server.py``'s wire site with pycurl and says
which answers it could not keep byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: a worker runs the tree it is given

def default_baseline() -> str:
    """The commit before the crawl's own HTTP client was added: the stack of requests, urllib3,
    http.client and the tape."""
    added = subprocess.run(["git", "-C", str(ROOT), "log", "--format=%H", "--diff-filter=A", "-1", "--",
                            "crawl/http_client.py"], capture_output=True, text=True).stdout.strip()
    return f"{added}^" if added else "HEAD"
STACKS = ("requests", "sockets", "pycurl")


# -- the worker: one stack, in its own process ------------------------------------------------------

def _session_and_fetch(stack: str):  # noqa: ANN202 - differs per stack
    """(make a session, fetch one URL with it, close it) for ``stack``."""
    if stack == "pycurl":
        return _CurlSession, _curl_fetch, lambda session: session.close()
    from crawl import http_fetch

    def make():  # noqa: ANN202
        session = http_fetch.CrawlSession()
        session.headers["User-Agent"] = "sunset-measure"
        session.headers["Accept-Encoding"] = "gzip, deflate"
        if hasattr(http_fetch, "WireAdapter"):  # the stack before issue 26
            adapter = http_fetch.WireAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
            session.mount("http://", adapter)
        return session

    def fetch_one(session, url: str) -> int:  # noqa: ANN001
        fetched = http_fetch.fetch(session, url, url, timeout=30, max_body_bytes=200 * 1024 * 1024)
        fetched.body.close()
        return fetched.status

    return make, fetch_one, lambda session: session.close()


class _CurlSession:
    def __init__(self) -> None:
        import pycurl

        self.pycurl = pycurl
        self.handle = pycurl.Curl()

    def close(self) -> None:
        self.handle.close()


def _curl_fetch(session: _CurlSession, url: str) -> int:
    """What the crawl would ask of libcurl: the exchange as on the wire, the body spooled and hashed."""
    from archive.capture import SpooledBody, sha1_digest, warc_digest

    pycurl, handle = session.pycurl, session.handle
    head: list[bytes] = []
    sent: list[bytes] = []
    spool = tempfile.SpooledTemporaryFile(max_size=512 * 1024)
    digest = sha1_digest()

    def body(data: bytes) -> None:
        spool.write(data)
        digest.update(data)

    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.HTTP_TRANSFER_DECODING, 0)
    handle.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
    handle.setopt(pycurl.HEADERFUNCTION, head.append)
    handle.setopt(pycurl.WRITEFUNCTION, body)
    handle.setopt(pycurl.VERBOSE, 1)
    handle.setopt(pycurl.DEBUGFUNCTION, lambda kind, data: sent.append(data) if kind == 2 else None)
    handle.setopt(pycurl.HTTPHEADER, ["User-Agent: sunset-measure", "Accept-Encoding: gzip, deflate"])
    handle.setopt(pycurl.TIMEOUT, 1200)
    handle.perform()
    status = handle.getinfo(pycurl.RESPONSE_CODE)
    handle.getinfo(pycurl.PRIMARY_IP)
    warc_digest(digest)
    SpooledBody.written(spool).close()
    return status


def worker(stack: str, urls: list[str], threads: int) -> dict[str, float]:
    make, fetch_one, close = _session_and_fetch(stack)
    warm = make()
    for url in urls[:20]:
        fetch_one(warm, url)
    close(warm)
    failures = []

    def run(share: list[str]) -> None:
        session = make()
        try:
            for url in share:
                if fetch_one(session, url) >= 400:
                    failures.append(url)
        finally:
            close(session)

    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    workers = [threading.Thread(target=run, args=(urls[number::threads],)) for number in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - started
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"requests": len(urls), "cpu_s": cpu, "wall_s": wall, "failures": len(failures)}


# -- the parent: site, server, paired runs ----------------------------------------------------------

def baseline_tree(ref: str, into: Path) -> Path:
    """The repository at ``ref``, exported (no checkout of the working copy is touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_worker(stack: str, tree: Path, origin: str, listing: Path, threads: int) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", stack, "--origin", origin,
               "--listing", str(listing), "--threads", str(threads)]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def site_urls(site: Path) -> list[str]:
    return ["/" + quote(path.relative_to(site).as_posix()) for path in sorted(site.rglob("*")) if path.is_file()]


def measure_fetches(args: argparse.Namespace, work: Path, site: Path, trees: dict[str, Path]) -> None:
    from benchmarks.run import LocalServer

    urls = site_urls(site)[: args.requests or None]
    listing = work / "urls.txt"
    listing.write_text("\n".join(urls), encoding="utf-8")
    stacks = [stack for stack in args.stacks.split(",") if stack in trees]
    results: dict[str, list[dict[str, float]]] = {stack: [] for stack in stacks}
    with LocalServer(site, 0.0) as server:
        for run in range(args.runs):
            order = stacks[run % len(stacks):] + stacks[:run % len(stacks)]
            for stack in order if run % 2 == 0 else reversed(order):
                figures = run_worker(stack, trees[stack], server.url, listing, args.threads)
                results[stack].append(figures)
                print(f"  run {run + 1} {stack:<9} {figures['cpu_s'] * 1000 / figures['requests']:6.3f} CPU s "
                      f"per 1,000 requests, wall {figures['wall_s']:6.2f} s, failures {figures['failures']:.0f}",
                      flush=True)
    print(f"\n{len(urls)} requests per run, {args.threads} threads, median of {args.runs} runs "
          f"(load average now {os.getloadavg()[0]:.1f})")
    print(f"{'stack':<10}{'CPU s / 1,000 req':>19}{'min-max':>16}{'wall s':>9}")
    for stack, figures in results.items():
        per = [item["cpu_s"] * 1000 / item["requests"] for item in figures]
        wall = statistics.median(item["wall_s"] for item in figures)
        print(f"{stack:<10}{statistics.median(per):>19.3f}{f'{min(per):.3f}-{max(per):.3f}':>16}{wall:>9.2f}")


def measure_crawls(args: argparse.Namespace, work: Path, site: Path, trees: dict[str, Path]) -> None:
    from benchmarks.run import SCENARIO_1, LocalServer, write_config

    stacks = [stack for stack in ("requests", "sockets") if stack in trees]
    results: dict[str, list[tuple[float, float, int]]] = {stack: [] for stack in stacks}
    with LocalServer(site, 0.0) as server:
        for run in range(args.runs):
            for stack in stacks if run % 2 == 0 else reversed(stacks):
                out = work / f"crawl-{stack}-{run}"
                out.mkdir()
                config = write_config(out, f"{server.url}/site/", extra=SCENARIO_1)
                before = server.stats()["requests"]
                started = time.perf_counter()
                process = subprocess.Popen([sys.executable, "-m", "sunset", "crawl", str(config), "--out",
                                            str(out / "out"), "-q"], cwd=trees[stack],
                                           env={**os.environ, "PYTHONPATH": str(trees[stack])})
                _, status, usage = os.wait4(process.pid, 0)
                wall = time.perf_counter() - started
                requests = server.stats()["requests"] - before
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"sunset crawl ({stack}) failed")
                cpu = usage.ru_utime + usage.ru_stime
                results[stack].append((cpu, wall, requests))
                print(f"  run {run + 1} {stack:<9} {requests} requests, CPU {cpu:6.2f} s "
                      f"({cpu * 1000 / requests:.3f} per 1,000), wall {wall:6.2f} s", flush=True)
                shutil.rmtree(out, ignore_errors=True)
    print(f"\nsunset crawl (delay 0, concurrency 2), median of {args.runs} runs "
          f"(load average now {os.getloadavg()[0]:.1f})")
    print(f"{'stack':<10}{'CPU s':>9}{'CPU s / 1,000 req':>19}{'wall s':>9}")
    for stack, figures in results.items():
        cpu = statistics.median(item[0] for item in figures)
        per = statistics.median(item[0] * 1000 / item[2] for item in figures)
        print(f"{stack:<10}{cpu:>9.2f}{per:>19.3f}{statistics.median(item[1] for item in figures):>9.2f}")


def fidelity() -> None:
    """Each route of the hostile wire site through pycurl: are the bytes kept as received?"""
    import pycurl

    from tests.crawlserver import serve
    from tests.fault_server import UNPARSED, WIRE_RESPONSES, wire_site_route

    with serve(wire_site_route) as state:
        for name, (sent, what) in WIRE_RESPONSES.items():
            handle, head, body = pycurl.Curl(), [], []
            handle.setopt(pycurl.URL, f"{state.origin}/w/{name}")
            handle.setopt(pycurl.HTTP_TRANSFER_DECODING, 0)
            handle.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
            handle.setopt(pycurl.HTTP09_ALLOWED, 1)
            handle.setopt(pycurl.HEADERFUNCTION, head.append)
            handle.setopt(pycurl.WRITEFUNCTION, body.append)
            handle.setopt(pycurl.TIMEOUT, 10)
            error = ""
            try:
                handle.perform()
            except pycurl.error as failure:
                error = f"error: {failure.args[1]}"
            kept = b"".join(head) + b"".join(body) == sent
            expected = "kept whole as a resource" if name in UNPARSED else "a response"
            print(f"{name:<14} {'kept' if kept else 'LOST':<5} {error or '':<48} ({what}; sunset: {expected})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000, help="pages of the generated site")
    parser.add_argument("--requests", type=int, default=0, help="fetch only this many of its files (0: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="fetch threads (the crawl's default concurrency)")
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument("--baseline", help="git ref of the stack before issue 26 (default: the commit before "
                                           "crawl/http_client.py was added; for --crawl give main's, so only "
                                           "the fetch stack differs)")
    parser.add_argument("--crawl", action="store_true", help="whole `sunset crawl` runs, baseline against this tree")
    parser.add_argument("--fidelity", action="store_true", help="which odd answers pycurl keeps byte for byte")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--origin", help=argparse.SUPPRESS)
    parser.add_argument("--listing", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        urls = [args.origin + path for path in args.listing.read_text(encoding="utf-8").splitlines()]
        print(json.dumps(worker(args.worker, urls, args.threads)))
        return
    sys.path.insert(0, str(ROOT))  # this tree's tests/ and benchmarks/, before any installed package's
    if args.fidelity:
        fidelity()
        return
    from benchmarks.generate_site import generate

    args.baseline = args.baseline or default_baseline()
    with tempfile.TemporaryDirectory(prefix="sunset-fetch-") as temporary:
        work = Path(temporary)
        print(f"generating a {args.pages}-page site; the stack before issue 26 from {args.baseline}...", flush=True)
        generate(work / "site", args.pages)
        trees = {"requests": baseline_tree(args.baseline, work / "baseline"), "sockets": ROOT}
        try:
            import pycurl  # noqa: F401
            trees["pycurl"] = ROOT
        except ImportError:
            print("  (pycurl is not installed: pip install pycurl to measure it too)")
        if args.crawl:
            measure_crawls(args, work, work / "site", trees)
        else:
            measure_fetches(args, work, work / "site", trees)


if __name__ == "__main__":
    main()
