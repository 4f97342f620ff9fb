"""Shared by the end-to-end tests: example server processes, a throwaway Redis, and
visitors that keep their cookies and their CSRF token the way a browser does. Standard
library only."""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(ready, seconds=10.0, what="service"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


def unprivileged():
    """File permissions bind only a user that is not root: as root, the servers run as
    nobody (setpriv, util-linux), so that a fault like chmod 000 reaches them."""
    return os.geteuid() == 0


class Workdir:
    """A temporary directory the servers (maybe running as nobody) can reach."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="crumb-e2e-")
        os.chmod(self.path, 0o711)

    def private_dir(self, name):
        """A directory for a file store, owned by the user the servers run as, 0700."""
        path = os.path.join(self.path, name)
        os.mkdir(path, 0o700)
        if unprivileged():
            os.chown(path, 65534, 65534)
        return path

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Redis:
    """redis-server on a free loopback port, persisting every write (appendfsync always),
    so that a SIGKILL and a restart lose nothing."""

    def __init__(self, workdir):
        self.port = free_port()
        self.dir = os.path.join(workdir, f"redis-{self.port}")
        os.mkdir(self.dir)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, what="redis-server")

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGSTOP)

    def cont(self):
        self.proc.send_signal(signal.SIGCONT)

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()


class Servers:
    """Example servers sharing one secret and one store, named A, B, ..."""

    def __init__(self, binary, store, names=("A", "B"), workdir=None):
        self.env = dict(os.environ, CRUMB_SECRET=base64.b64encode(os.urandom(36)).decode())
        self.procs, self.ports, self.logs = {}, {}, {}
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
            if unprivileged() else []
        for name in names:
            port = free_port()
            log = open(os.path.join(workdir or tempfile.gettempdir(), f"server-{name}.log"), "w+")
            self.procs[name] = subprocess.Popen(
                prefix + [binary, "--port", str(port), "--store", store, "--name", name],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
            self.ports[name], self.logs[name] = port, log
        for name, port in self.ports.items():
            wait_until(lambda: self._healthy(port), what=f"server {name}")

    def _healthy(self, port):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def log_tail(self):
        out = []
        for name, log in self.logs.items():
            log.seek(0)
            out.append(f"--- server {name}:\n" + "".join(log.readlines()[-20:]))
        return "\n".join(out)

    def close(self):
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


# Visitor.request's default token: the one from the last page the visitor saw.
OWN_TOKEN = object()


class Visitor:
    """A browser's cookie jar and one request at a time. Like a page's script, it keeps the
    CSRF token of the last JSON page it got and sends it with every POST (X-CSRFToken)."""

    def __init__(self, name):
        self.name = name
        self.jar = {}
        self.csrf_token = None
        self.headers = None  # of the last response

    def request(self, port, method, path, timeout=10.0, form=None, token=OWN_TOKEN,
                headers=None):
        """(status, body as JSON or text, seconds taken, Set-Cookie lines). A POST always has
        a body (cpp-httplib answers 400 to one without Content-Length): `form` urlencoded,
        or empty; and the CSRF token: the visitor's own unless `token` is given (None: no
        token)."""
        headers = dict(headers or {})
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(form or {}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            token = self.csrf_token if token is OWN_TOKEN else token
            if token is not None:
                headers["X-CSRFToken"] = token
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            set_cookies = resp.headers.get_all("Set-Cookie") or []
        finally:
            conn.close()
        took = time.monotonic() - start
        self.headers = resp.headers
        for line in set_cookies:
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "Max-Age=0;" in line or line.endswith("Max-Age=0"):
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        if resp.status == 200 and isinstance(body, dict) and body.get("csrf_token"):
            self.csrf_token = body["csrf_token"]
        return resp.status, body, took, set_cookies

    def post(self, port, path, form=None, **kwargs):
        """A POST with the visitor's token (see request()): (status, body)."""
        status, body, _, _ = self.request(port, "POST", path, form=form, **kwargs)
        return status, body

    def get(self, port, path="/"):
        status, body, _, _ = self.request(port, "GET", path)
        return status, body

    def login(self, port, user, password):
        """Logs in through POST /login (a form body, as a browser sends it): (status, body)."""
        return self.post(port, "/login", {"user": user, "password": password})

    def store_id(self):
        """The store id the session cookie refers to, or None for a session in the cookie."""
        token = self.jar.get("sessionid", "")
        payload = token.split(":", 1)[0]
        if not payload or payload.startswith("."):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        return data.get("_crumb_store") if isinstance(data, dict) else None
