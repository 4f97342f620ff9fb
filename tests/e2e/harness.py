"""Shared by the end-to-end tests: example server processes, a throwaway Redis, and
visitors that keep their cookies the way a browser does. Standard library only."""

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


class Visitor:
    """A browser's cookie jar and one request at a time."""

    def __init__(self, name):
        self.name = name
        self.jar = {}

    def request(self, port, method, path, timeout=10.0):
        """(status, body as JSON or text, seconds taken, Set-Cookie lines)."""
        headers = {}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request(method, path, body=b"" if method == "POST" else None, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            set_cookies = resp.headers.get_all("Set-Cookie") or []
        finally:
            conn.close()
        took = time.monotonic() - start
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
        return resp.status, body, took, set_cookies

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
