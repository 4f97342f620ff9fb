#!/usr/bin/env python3
"""Load, end to end and bounded: 24 visitors at once, 200 requests each, alternating
between two example server processes that share a store; a third of the visitors have
sessions spilled to the store, a quarter log in (each of their requests then reads the
account and its revocations from the store). Every POST carries the CSRF token of the last
page, as a browser's would. Every counter must come back exact (visits, cart, history),
every logged-in visitor must stay logged in, and no request may get a 5xx (but a login
the example turns away while it hashes other passwords: retried after its Retry-After).

usage: load_test.py path/to/stateless_server [file] [redis]   (both by default)
"""

import os
import sys
import threading
import time

from harness import Redis, Servers, Visitor, Workdir

VISITORS, REQUESTS = 24, 200
lock = threading.Lock()


def walk(v, servers, spilled, logged_in, problems, counts):
    """One visitor's requests, each checked against what it must have become. The first is
    a GET / (its page brings the CSRF token the POSTs need)."""
    visits, cart, history, user = 0, 0, 0, None

    def call(i, method, path, form=None):
        for attempt in range(5):
            status, body, _, _ = v.request(servers.ports["AB"[i % 2]], method, path, form=form)
            # The example hashes two passwords at a time (Argon2id, 64 MiB each) and answers
            # a login that waited a second for its turn 503 with Retry-After, as a busy
            # server should: a client waits and tries again. Any other 5xx is a problem.
            busy = (status == 503 and path == "/login" and "too many logins" in str(body)
                    and v.headers.get("Retry-After"))
            if not busy or attempt == 4:
                break
            with lock:
                counts["login retried"] = counts.get("login retried", 0) + 1
            time.sleep(float(v.headers["Retry-After"]))
        with lock:
            counts[status // 100] = counts.get(status // 100, 0) + 1
        if status != 200:
            problems.append(f"{v.name} request {i} {path}: HTTP {status} {body}")
            return None
        return body

    for i in range(REQUESTS):
        if spilled and i == 1:
            body, history = call(i, "POST", "/history?n=100"), 100
        elif logged_in and i == 2:
            user = f"load-{v.name}"
            body = call(i, "POST", "/login", {"user": user, "password": f"pw-{v.name}"})
        elif i % 10 == 5:
            cart += 1
            body = call(i, "POST", f"/cart/add?item={v.name}-{cart}")
        else:
            visits += 1
            body = call(i, "GET", "/")
        if body is None:
            return
        got = (body["visits"], len(body["cart"]), body["history"], body["user"])
        if got != (visits, cart, history, user):
            problems.append(f"{v.name} request {i}: (visits, cart, history, user) {got}, "
                            f"expected {(visits, cart, history, user)}")
            return
        if spilled and i >= 1 and body["lives_in"] != "store":
            problems.append(f"{v.name} request {i}: session left the store")
            return


def run(binary, kind):
    work = Workdir()
    redis = Redis(work.path) if kind == "redis" else None
    servers = Servers(binary, redis.url() if redis else work.private_dir("store"),
                      workdir=work.path)
    problems, counts = [], {}
    try:
        visitors = [Visitor(f"v{i}") for i in range(VISITORS)]
        threads = [threading.Thread(target=walk, args=(v, servers, i % 3 == 0, i % 4 == 0,
                                                   problems, counts))
                   for i, v in enumerate(visitors)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - start
    finally:
        servers.close()
        if redis:
            redis.close()
        work.close()
    total = sum(n for k, n in counts.items() if isinstance(k, int))
    print(f"load ({kind} store): {VISITORS} visitors x {REQUESTS} requests over 2 servers: "
          f"{total} answered in {took:.1f} s ({total / took:.0f} req/s from one Python client), "
          f"by class {dict(sorted(counts.items(), key=str))}")
    for p in problems[:20]:
        print("  PROBLEM:", p)
    return not problems and total == VISITORS * REQUESTS and counts.get(5, 0) == 0


def main():
    if len(sys.argv) < 2 or any(k not in ("file", "redis") for k in sys.argv[2:]):
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    ok = all([run(binary, kind) for kind in sys.argv[2:] or ["file", "redis"]])
    print("load test:", "passed" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
