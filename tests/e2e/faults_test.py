#!/usr/bin/env python3
"""Fault injection, end to end: two example servers share a store; visitors (some with the
session in the cookie, some spilled to the store, two of them logged in: every request of
theirs reads the account and its revocations from the store) go on while the store is
broken on purpose: entry files deleted, corrupted, made unreadable; the store directory
read-only; Redis killed and restarted, and stopped (SIGSTOP).

Passes when every request is answered within its timeout (2 s; the Redis timeout is
0.5 s), a request the store cannot serve gets 503 and leaves the cookie alone, temporary
faults lose no session and log nobody out, and a permanent fault loses exactly the session
it hit.

usage: faults_test.py path/to/stateless_server
"""

import os
import sys
import time

from harness import Redis, Servers, Visitor, Workdir

SLOW = 2.0  # seconds: the most any request may take, faults or not


class Run:
    def __init__(self, servers, store_label):
        self.servers, self.label = servers, store_label
        self.faults = self.sent = self.answered = self.unavailable = 0
        self.lost, self.problems, self.visits = [], [], {}
        self.users = {}  # visitor name -> the user it is logged in as
        self.shown = {}  # visitor name -> the flash messages its pages showed
        self.waiting_message = False  # whether stored-member was given one to wait
        self.slowest = 0.0

    def request(self, v, server, method, path, form=None):
        self.sent += 1
        try:
            status, body, took, cookies = v.request(self.servers.ports[server], method, path,
                                                    timeout=5, form=form)
        except OSError as e:
            self.problems.append(f"{v.name} {method} {path} on {server}: no answer ({e})")
            return None, None
        self.answered += 1
        self.slowest = max(self.slowest, took)
        if took > SLOW:
            self.problems.append(f"{v.name} {path} on {server} took {took:.2f} s")
        if status == 503:
            self.unavailable += 1
            if cookies:
                self.problems.append(f"{v.name}: a 503 came with Set-Cookie {cookies}")
        elif status != 200:
            self.problems.append(f"{v.name} {path} on {server}: HTTP {status} {body}")
        return status, body

    def visit(self, v, server):
        """GET /: the counter must go on from where it was, or restart at 1 (lost)."""
        status, body = self.request(v, server, "GET", "/")
        if status == 200:
            self.shown.setdefault(v.name, []).extend(m["text"] for m in body["messages"])
            want = self.visits.get(v.name, 0) + 1
            if body["visits"] != want:
                if body["visits"] == 1:
                    self.lost.append(v.name)
                else:
                    self.problems.append(f"{v.name}: visits {body['visits']}, expected {want}")
            self.visits[v.name] = body["visits"]
            if body["user"] != self.users.get(v.name):
                self.problems.append(f"{v.name} on {server}: user {body['user']}, expected "
                                     f"{self.users.get(v.name)}")
        return status

    def settle(self, visitors):
        """After a fault is repaired: each visitor gets through again (the Redis store backs
        off for a second after a failure, answering 503 meanwhile)."""
        for v in visitors:
            for attempt in range(40):
                if self.visit(v, "AB"[attempt % 2]) == 200:
                    break
                time.sleep(0.1)
            else:
                self.problems.append(f"{v.name}: still failing after the fault was repaired")

    def fault(self, what, visitors, inject, repair, hit=(), during=None):
        """Injects a fault, lets every visitor make two requests, repairs it, and checks
        that only the sessions in `hit` were lost."""
        self.faults += 1
        lost_before = len(self.lost)
        inject()
        statuses = {v.name: [self.visit(v, server) for server in "AB"] for v in visitors}
        repair()
        self.settle(visitors)
        lost = self.lost[lost_before:]
        if sorted(lost) != sorted(hit):
            self.problems.append(f"{what}: sessions lost {lost}, expected {list(hit)}")
        if during:
            for name, got in statuses.items():
                want = during(name)
                if want is not None and got != [want, want]:
                    self.problems.append(f"{what}: {name} got {got} during the fault, expected {want}")
        print(f"  fault {self.faults}: {what:<44} sessions lost: {len(lost)}"
              f"{' (the one it hit: permanent)' if hit else ''}")

    def check_messages(self):
        """The waiting "Welcome" was shown exactly once, faults or not."""
        if not self.waiting_message:
            return
        welcome = [t for t in self.shown.get("stored-member", []) if t.startswith("Welcome")]
        if welcome != ["Welcome, stored-member."]:
            self.problems.append(f"stored-member's waiting message was shown {welcome}")

    def report(self):
        self.check_messages()
        print(f"{self.label}: faults injected {self.faults}, requests sent {self.sent}, "
              f"answered {self.answered} (503 while the store was out: {self.unavailable}), "
              f"slowest {self.slowest:.2f} s, sessions lost {len(self.lost)} "
              f"({', '.join(self.lost) or 'none'}), logged in throughout: {len(self.users)}")
        for p in self.problems:
            print("  PROBLEM:", p)
        return not self.problems and self.answered == self.sent


def start_visitors(run):
    """Visitors with the session in the cookie, spilled ones, and two logged in (one of
    each: cookie-member, stored-member). Every first page brings the CSRF token the POSTs
    carry."""
    cookie = [Visitor(f"cookie{i}") for i in range(3)] + [Visitor("cookie-member")]
    stored = [Visitor(f"stored{i}") for i in range(4)] + [Visitor("stored-member")]
    for v in cookie + stored:
        run.visit(v, "A")
    for v in stored:
        status, body = run.request(v, "B", "POST", "/history?n=100")
        if status != 200 or body["lives_in"] != "store" or v.store_id() is None:
            raise RuntimeError(f"{v.name} did not spill: {status} {body}")
    for v in (cookie[-1], stored[-1]):
        status, body = run.request(v, "A", "POST", "/login",
                                   form={"user": v.name, "password": "pw-" + v.name})
        if status != 200 or body["user"] != v.name:
            raise RuntimeError(f"{v.name} did not log in: {status} {body}")
        run.users[v.name] = v.name
    return cookie, stored


def wait_a_message(run, v):
    """A flash message waiting through a fault: the form-posted login of a browser is
    answered with a redirect, so its "Welcome" waits in the messages cookie for the next
    page. A 503 must leave that cookie alone; the message shows once the store is back."""
    status, _, _, _ = v.request(run.servers.ports["B"], "POST", "/login",
                                form={"user": v.name, "password": "pw-" + v.name},
                                headers={"Accept": "text/html"})
    if status != 303 or "messages" not in v.jar:
        raise RuntimeError(f"no message waits for {v.name}: {status} {v.jar}")
    run.waiting_message = True


def file_store_faults(binary, work):
    store = work.private_dir("store")
    servers = Servers(binary, store, workdir=work.path)
    run = Run(servers, "file store")
    try:
        cookie, stored = start_visitors(run)
        everyone = cookie + stored
        entry = lambda v: os.path.join(store, v.store_id() + ".session")
        only = lambda who, status: (lambda name: status if name == who.name else 200)

        target = stored[0]
        run.fault("entry made unreadable (chmod 000)", everyone,
                  lambda: os.chmod(entry(target), 0), lambda: os.chmod(entry(target), 0o600),
                  during=only(target, 503))
        # Read-only: spilled sessions cannot be saved; accounts can still be read. The
        # page of a stored-member with a message waiting reads it, then fails to save.
        wait_a_message(run, stored[-1])
        run.fault("store directory read-only (chmod 500)", everyone,
                  lambda: os.chmod(store, 0o500), lambda: os.chmod(store, 0o700),
                  during=lambda name: 503 if name.startswith("stored") else 200)
        # Unreadable: neither spilled sessions nor accounts (a login needs its account).
        run.fault("store directory unreadable (chmod 000)", everyone,
                  lambda: os.chmod(store, 0), lambda: os.chmod(store, 0o700),
                  during=lambda name: 503 if name.startswith("stored") or "member" in name
                  else 200)

        def corrupt():
            with open(entry(stored[2]), "r+b") as f:
                f.seek(40)
                f.write(b"garbage!" * 8)
        run.fault("entry deleted", everyone, lambda: os.unlink(entry(stored[1])), lambda: None,
                  hit=[stored[1].name])
        run.fault("entry corrupted", everyone, corrupt, lambda: None, hit=[stored[2].name])
        return run.report()
    except Exception:
        print(servers.log_tail())
        raise
    finally:
        servers.close()


def redis_faults(binary, work):
    redis = Redis(work.path)
    servers = Servers(binary, redis.url(), workdir=work.path)
    run = Run(servers, "Redis store")
    try:
        cookie, stored = start_visitors(run)
        everyone = cookie + stored
        # Spilled sessions and logins (their accounts) need Redis; cookie sessions do not.
        spilled_503 = lambda name: 503 if name.startswith("stored") or "member" in name \
            else 200

        def restart():
            redis.start()
        run.fault("Redis killed (SIGKILL), then restarted", everyone, redis.kill, restart,
                  during=spilled_503)
        run.fault("Redis stopped (SIGSTOP), then continued", everyone, redis.stop, redis.cont,
                  during=spilled_503)
        return run.report()
    except Exception:
        print(servers.log_tail())
        raise
    finally:
        servers.close()
        redis.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    work = Workdir()
    try:
        ok = file_store_faults(binary, work)
        ok = redis_faults(binary, work) and ok
    finally:
        work.close()
    print("fault injection:", "passed" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
