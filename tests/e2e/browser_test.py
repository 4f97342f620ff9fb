#!/usr/bin/env python3
"""A real browser, end to end: headless Chromium, driven through chromedriver's W3C
WebDriver HTTP API (standard library only), visits two example server processes that share
a secret and a store. Both listen on 127.0.0.1, so the browser sends both the same cookie.

The visitor counts visits, logs in with the HTML form (name and password), fills the cart
(one item full of markup, which must come back as text), grows the session past 4 KB so
that it spills to the store, shrinks it back into the cookie, and logs out, alternating
between the servers; every form carries the session's CSRF token in its hidden field.
After each step the page must show the right visits, user, cart, history, the place the
session lives and the flash messages ("Welcome" after the login, "Logged out." after the
logout, each exactly once); the sessionid cookie must be HttpOnly (invisible to
document.cookie) and SameSite=Lax, and gone after logout. A script's fetch() POST needs the
token too: refused (403) without it, accepted with the one read from the page's form.

Fails, never skips, when Chromium or chromedriver is missing (Debian: chromium,
chromium-driver; .ci/install-deps installs them).

usage: browser_test.py path/to/stateless_server
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from harness import Servers, Visitor, Workdir, free_port, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
TIME_LIMIT = 90  # seconds for the whole test; it takes a few
MARKUP_ITEM = '<b>pen</b> & "ink" \'<script>'

# Loopback only: no proxy from the environment, for urllib or for Chromium.
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


class Browser:
    """chromedriver on a free port, and one Chromium session through it."""

    def __init__(self, workdir):
        self.port = free_port()
        self.log_path = os.path.join(workdir, "chromedriver.log")
        self.proc = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}", f"--log-path={self.log_path}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: Chromium goes with it
        self.session = None
        try:
            self._start(workdir)
        except BaseException as e:
            tail = self.log_tail()
            self.close()
            raise Failure(f"Chromium did not start: {e}\n{tail}") from None

    def _start(self, workdir):
        wait_until(self._ready, what="chromedriver")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-proxy-server",
                f"--user-data-dir={os.path.join(workdir, 'chromium-profile')}"]
        caps = {"browserName": "chrome", "pageLoadStrategy": "normal",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}
        self.session = self._call("POST", "/session",
                                  {"capabilities": {"alwaysMatch": caps}}, timeout=60)["sessionId"]
        self.call("POST", "/timeouts", {"pageLoad": 20000, "script": 10000, "implicit": 0})

    def _ready(self):
        try:
            return self._call("GET", "/status", timeout=1).get("ready", False)
        except (OSError, Failure):
            return False

    def _call(self, method, path, body=None, timeout=30):
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with direct.open(req, timeout=timeout) as resp:
                return json.load(resp)["value"]
        except urllib.error.HTTPError as e:
            try:
                value = json.load(e)["value"]
                message = (value.get("message") or "").splitlines()
                why = f"{value.get('error')}: {message[0] if message else ''}"
            except ValueError:
                why = f"HTTP {e.code}"
            raise Failure(f"WebDriver {method} {path}: {why}") from None

    def call(self, method, path, body=None, timeout=30):
        """A command in this browser session: /session/{id}{path}."""
        return self._call(method, f"/session/{self.session}{path}", body, timeout)

    # --- what a visitor does --------------------------------------------------------------

    def go(self, url):
        self.call("POST", "/url", {"url": url})

    def url(self):
        return self.call("GET", "/url")

    def script(self, source, *args):
        return self.call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find(self, css):
        return self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def text(self, css):
        return self.call("GET", f"/element/{self.find(css)}/text")

    def texts(self, css):
        found = self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [self.call("GET", f"/element/{e[ELEMENT]}/text") for e in found]

    def submit(self, form, *values):
        """Types `values` into the form's visible fields, in order (its hidden CSRF field is
        left as the page filled it), and clicks its button; returns when the page that the
        redirect leads to has loaded."""
        found = self.call("POST", "/elements", {"using": "css selector",
                                                "value": f"#{form} input:not([type=hidden])"})
        check(len(found) >= len(values), f"form {form} has {len(found)} fields")
        for field, value in zip(found, values):
            self.call("POST", f"/element/{field[ELEMENT]}/clear")
            self.call("POST", f"/element/{field[ELEMENT]}/value", {"text": value})
        self.click(f"#{form} button")

    def click(self, css):
        self.script("window.crumbOldPage = true;")
        self.call("POST", f"/element/{self.find(css)}/click")
        wait_until(lambda: self.script(
            "return !window.crumbOldPage && document.readyState === 'complete';"),
            seconds=20, what=f"the page after clicking {css}")

    def cookies(self):
        return {c["name"]: c for c in self.call("GET", "/cookie")}

    def close(self):
        if self.session:
            try:
                self.call("DELETE", "", timeout=10)  # quits Chromium
            except (OSError, Failure):
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return "--- chromedriver:\n" + "".join(f.readlines()[-20:])
        except OSError:
            return ""


class Flow:
    def __init__(self, browser, servers):
        self.b, self.servers, self.visits, self.steps = browser, servers, 0, 0

    def base(self, server):
        return f"http://127.0.0.1:{self.servers.ports[server]}"

    def visit(self, server):
        self.b.go(self.base(server) + "/")

    def expect(self, what, server, user=None, cart=(), history=0, lives_in="cookie",
               messages=()):
        """Checks the page after a GET / (each one counts a visit), its flash messages
        ((level, text) pairs; none unless given) and the cookies."""
        self.steps += 1
        self.visits += 1
        b = self.b
        check(b.url() == self.base(server) + "/", f"{what}: at {b.url()}, not on {server}'s /")
        shown = {"server": b.text("#server"), "visits": b.text("#visits"),
                 "user": b.text("#user"), "cart": b.texts("#cart .item"),
                 "history": b.text("#history"), "lives_in": b.text("#lives-in")}
        want = {"server": server, "visits": str(self.visits),
                "user": user if user is not None else "(not logged in)", "cart": list(cart),
                "history": str(history), "lives_in": lives_in}
        check(shown == want, f"{what}: the page shows {shown}, expected {want}")
        flashed = b.script("return [...document.querySelectorAll('#messages li')]"
                           ".map(e => [e.className, e.textContent]);")
        check(flashed == [list(m) for m in messages],
              f"{what}: the page shows the messages {flashed}, expected {list(messages)}")
        check(b.script("return document.querySelector('#cart-add input[type=hidden]')"
                       ".name;") == "csrfmiddlewaretoken", f"{what}: no CSRF field in the forms")
        cookie = b.cookies().get("sessionid")
        check(cookie is not None, f"{what}: no sessionid cookie")
        check(cookie["httpOnly"] is True, f"{what}: sessionid is not HttpOnly: {cookie}")
        check(cookie.get("sameSite") == "Lax", f"{what}: sessionid is not SameSite=Lax: {cookie}")
        check(cookie["domain"] == "127.0.0.1" and cookie["path"] == "/",
              f"{what}: sessionid for {cookie['domain']}{cookie['path']}")
        # Shown, so gone: the messages cookie is deleted by the page that shows them.
        check("messages" not in b.cookies(), f"{what}: the messages cookie is still there")
        js = b.script("return document.cookie;")
        check("sessionid" not in js, f"{what}: document.cookie shows it: {js!r}")
        cookie_size = len(cookie["value"])
        print(f"{self.steps:2d}  {what:<34} -> {server} | visits {self.visits:2d} | "
              f"user {user or '-':<5} | cart {len(cart)} | history {history:3d} | "
              f"in {lives_in:<6} | cookie {cookie_size:4d} B"
              + "".join(f" | {level}: {text}" for level, text in messages))
        return cookie

    def run(self):
        b = self.b
        self.visit("A")
        self.expect("first visit", "A")
        self.visit("B")
        self.expect("same cookie, other process", "B")

        before = b.cookies()["sessionid"]["value"]
        token_before = self.csrf_token()
        b.submit("login", "alice", "correct horse")
        after = self.expect("log in (form)", "B", user="alice",
                            messages=[("success", "Welcome, alice.")])["value"]
        check(after != before, "log in: the session cookie did not change")
        check(not b.texts("#login"), "logged in, yet the login form is shown")
        check(self.fetch_post("/cart/add", token_before) == "403",
              "a CSRF token from before the login still works after it")

        self.visit("A")
        self.expect("visit (the welcome shown once)", "A", user="alice")
        b.submit("cart-add", "book")
        self.expect("add to cart (form)", "A", user="alice", cart=["book"])
        b.submit("cart-add", MARKUP_ITEM)
        self.expect("add markup to cart", "A", user="alice", cart=["book", MARKUP_ITEM])
        check(b.script("return document.querySelectorAll('#cart b, #cart script').length;") == 0,
              "the cart item's markup became elements: not escaped")
        hidden = b.script("return [...document.querySelectorAll('.cart-remove input[name=item]')]"
                          ".map(e => e.value);")
        check(hidden == ["book", MARKUP_ITEM], f"the remove forms carry {hidden}")

        self.visit("B")
        self.expect("visit", "B", user="alice", cart=["book", MARKUP_ITEM])
        b.submit("history-add", "100")
        cookie = self.expect("grow past 4 KB (form)", "B", user="alice",
                             cart=["book", MARKUP_ITEM], history=100, lives_in="store")
        check(len(cookie["value"]) < 200, f"a spilled session's cookie is {len(cookie['value'])} B")

        self.visit("A")
        self.expect("the store, from the other process", "A", user="alice",
                    cart=["book", MARKUP_ITEM], history=100, lives_in="store")
        b.submit("history-clear")
        self.expect("shrink (form)", "A", user="alice", cart=["book", MARKUP_ITEM])

        self.visit("B")
        self.expect("visit", "B", user="alice", cart=["book", MARKUP_ITEM])
        b.click("#cart li:nth-child(2) button")
        self.expect("remove the markup item (form)", "B", user="alice", cart=["book"])

        # Log out: the form's POST expires the cookie, and the redirected GET / starts a
        # new session (visits 1, nobody logged in) with a cookie of its own.
        before = b.cookies()["sessionid"]["value"]
        b.submit("logout")
        self.visits = 0
        after = self.expect("log out (form) and visit", "B",
                            messages=[("info", "Logged out.")])["value"]
        check(after != before, "log out: the old session cookie is still there")
        # Without the redirected visit the browser keeps no session cookie: log out from
        # the page with fetch() and stop at the 303. A script must send the CSRF token (the
        # page's, from its forms' hidden field): without it, 403 and nothing changes.
        session = b.cookies()["sessionid"]["value"]
        check(self.fetch_post("/logout", None) == "403", "logout by fetch without a token")
        check(b.cookies().get("sessionid", {}).get("value") == session,
              "a refused logout changed the session cookie")
        kind = self.fetch_post("/logout", self.csrf_token())
        check(kind == "opaqueredirect 0", f"logout by fetch: {kind}")
        left = b.cookies()
        check("sessionid" not in left, f"after logout the browser still has cookies {sorted(left)}")
        check("messages" in left and left["messages"]["httpOnly"] is True,
              f"after logout by fetch, the message waits in an HttpOnly cookie: {sorted(left)}")
        self.steps += 1
        print(f"{self.steps:2d}  {'log out by fetch, no visit':<34} -> B | no session cookie, "
              "a message waiting")
        self.visit("A")
        self.visits = 0
        self.expect("a new visitor", "A", messages=[("info", "Logged out.")])
        self.visit("B")
        self.expect("visit (the message shown once)", "B")

    def csrf_token(self):
        """The token the page's forms carry (Django's hidden csrfmiddlewaretoken)."""
        return self.b.script(
            "return document.querySelector('input[name=csrfmiddlewaretoken]').value;")

    def fetch_post(self, path, token):
        """POST `path` from the page with fetch(), with the CSRF token in X-CSRFToken (none
        when None), as a browser does (HTML accepted, redirects not followed): the response's
        type and status ("opaqueredirect 0" for the 303), or its status alone."""
        script = """
            const [path, token, done] = arguments;
            const headers = {'Accept': 'text/html'};
            if (token !== null) headers['X-CSRFToken'] = token;
            fetch(path, {method: 'POST', body: new URLSearchParams(), redirect: 'manual',
                         headers: headers})
              .then(r => done(r.type === 'basic' ? String(r.status) : r.type + ' ' + r.status),
                    e => done('error ' + e));"""
        return self.b.call("POST", "/execute/async", {"script": script, "args": [path, token]})


def http_checks(servers):
    """What a form's POST gets without a browser: JSON for a JSON client, HTML for one that
    accepts it; bad input is a 400 either way, and no CSRF token a 403. The token comes
    from a first page, with the session cookie it belongs to (a visitor's jar)."""
    port = servers.ports["A"]
    v = Visitor("http")
    status, body, _, _ = v.request(port, "GET", "/")
    check(status == 200 and v.csrf_token, f"first page: {status} {body}")
    token = v.csrf_token

    def post(path, form, accept=None, field=True):
        """The token in the form (as a browser's form sends it), or in X-CSRFToken."""
        form = dict(form, csrfmiddlewaretoken=token) if field else form
        status, body, _, cookies = v.request(port, "POST", path, form=form,
                                             token=None if field else token,
                                             headers={"Accept": accept} if accept else None)
        return status, v.headers.get("Content-Type"), v.headers.get("Location"), body, cookies

    status, ctype, _, body, _ = post("/cart/add", {"item": "tea & cake"})
    check(status == 200 and ctype == "application/json" and body["cart"] == ["tea & cake"],
          f"JSON client, form body: {status} {body}")
    status, ctype, _, body, _ = post("/cart/add", {"item": "jam"}, field=False)
    check(status == 200 and body["cart"] == ["tea & cake", "jam"],
          f"JSON client, token in X-CSRFToken: {status} {body}")
    status, ctype, _, body, _ = post("/login", {"user": ""}, accept="application/json")
    check((status, ctype, body) == (400, "text/plain", "user: 1 to 64 printable UTF-8 bytes\n"),
          f"JSON client, bad input: {status} {ctype} {body}")
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    status, ctype, _, body, _ = post("/login", {"user": ""}, accept=html)
    check(status == 400 and ctype.startswith("text/html") and "Error 400" in body,
          f"browser, bad input: {status} {ctype} {body}")
    status, _, location, body, _ = post("/cart/add", {"item": "x"}, accept=html)
    check(status == 303 and location == "/", f"browser, form POST: {status} {location}")
    # Without the token, or with a forged one: 403, and the session as it was.
    forged = "A" * len(token)
    for what, form, accept in (("JSON client, no token", {"item": "y"}, None),
                               ("browser, forged token", {"item": "y", "csrfmiddlewaretoken":
                                                          forged}, html)):
        status, body, _, cookies = v.request(port, "POST", "/cart/add", form=form, token=None,
                                             headers={"Accept": accept} if accept else None)
        ctype = v.headers.get("Content-Type")
        check(status == 403 and "CSRF token missing or incorrect" in body and not cookies and
              ctype.startswith("text/html" if accept else "text/plain"),
              f"{what}: {status} {ctype} {cookies} {body}")
    status, body, _, _ = v.request(port, "GET", "/")
    check(status == 200 and body["cart"] == ["tea & cake", "jam", "x"],
          f"after the refused POSTs: {status} {body}")
    print("    form bodies: JSON for JSON clients, 303 or an HTML 400 for browsers, "
          "403 without the CSRF token")


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        print(f"FAIL: {' and '.join(missing)} not found; the browser test needs the Debian "
              "packages chromium and chromium-driver (bash .ci/install-deps)", file=sys.stderr)
        return 1

    def out_of_time(*_):
        raise Failure(f"the browser test took more than {TIME_LIMIT} s")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(TIME_LIMIT)

    start = time.monotonic()
    work = Workdir()
    servers = browser = None
    try:
        servers = Servers(sys.argv[1], work.private_dir("store"), workdir=work.path)
        browser = Browser(work.path)
        Flow(browser, servers).run()
        http_checks(servers)
    except (Failure, RuntimeError, OSError) as e:
        print(f"FAIL: {e}")
        if servers:
            print(servers.log_tail())
        if browser:
            print(browser.log_tail())
        return 1
    finally:
        signal.alarm(0)
        if browser:
            browser.close()
        if servers:
            servers.close()
        work.close()
    print(f"browser: Chromium across two servers, every step checked "
          f"({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
