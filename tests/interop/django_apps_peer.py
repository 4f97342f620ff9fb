#!/usr/bin/python3
"""A real Django site on the other end of crumb's login, messages and CSRF tests.

One process keeps its state (an in-memory SQLite database with Django's auth tables) for
the whole conversation: it reads one JSON request per line on stdin and answers one JSON
line each on stdout, flushing after each, so a test can interleave Django's requests with
crumb's. Its first line is a banner: {"django": version, "secret": SECRET_KEY}.

  {"op": "create_user", "username", "password"}     -> {"id": "1", "hash": password field}
  {"op": "set_password", "username", "password"}    -> {"hash": the new password field}
  {"op": "password_hash", "username"}               -> {"hash"}
  {"op": "request", "method": "GET"|"POST", "path", "cookie": raw Cookie header,
   "data": {form fields}, "headers": {name: value}}
      -> {"status", "body": the view's JSON (null when it is not JSON),
          "set_cookies": {name: {"value": as on the wire, "max_age": str, "expires": str}}}

The site runs Django's own middleware and apps, with SESSION_ENGINE signed_cookies,
CSRF_USE_SESSIONS and the default messages storage (cookie, then session). Its views:
  POST /auth/login {username, password}  django.contrib.auth.login -> {"user": id or null}
  GET  /auth/whoami                      -> {"user": request.user's id or null}
  POST /auth/logout                      django.contrib.auth.logout
  POST /messages/add {level, message[, extra_tags]} -> {}
  GET  /messages/show                    -> {"messages": [{"level", "message", "tags"}]}
  GET  /csrf/token                       -> {"token": get_token(request)}
  POST /csrf/check                       CSRF-checked: 200 {"ok": true}, or Django's 403
Only /csrf/check is CSRF-protected; the others are exempt so that each test controls
what it checks. Uses the system's python3-django.
"""
import json
import sys

import django
from django.conf import settings

SECRET = "crumb django apps interop secret"

settings.configure(
    SECRET_KEY=SECRET,
    DEBUG=False,
    ALLOWED_HOSTS=["testserver"],
    USE_TZ=True,
    ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    CSRF_USE_SESSIONS=True,
    MESSAGE_STORAGE="django.contrib.messages.storage.fallback.FallbackStorage",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

# Needs the settings above.
from django.contrib import auth, messages  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def user_id(user):
    return str(user.pk) if user.is_authenticated else None


@csrf_exempt
def login_view(request):
    user = auth.authenticate(request, username=request.POST["username"],
                             password=request.POST["password"])
    if user is not None:
        auth.login(request, user)
    return JsonResponse({"user": user_id(user) if user else None})


@csrf_exempt
def whoami_view(request):
    return JsonResponse({"user": user_id(request.user)})


@csrf_exempt
def logout_view(request):
    auth.logout(request)
    return JsonResponse({})


@csrf_exempt
def add_message_view(request):
    messages.add_message(request, int(request.POST["level"]), request.POST["message"],
                         extra_tags=request.POST.get("extra_tags", ""))
    return JsonResponse({})


@csrf_exempt
def show_messages_view(request):
    shown = [{"level": m.level, "message": str(m.message), "tags": m.tags}
             for m in messages.get_messages(request)]
    return JsonResponse({"messages": shown})


@csrf_exempt
def csrf_token_view(request):
    return JsonResponse({"token": get_token(request)})


def csrf_check_view(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("auth/login", login_view),
    path("auth/whoami", whoami_view),
    path("auth/logout", logout_view),
    path("messages/add", add_message_view),
    path("messages/show", show_messages_view),
    path("csrf/token", csrf_token_view),
    path("csrf/check", csrf_check_view),
]


def request(req):
    client = Client(enforce_csrf_checks=True)
    extra = {"HTTP_COOKIE": req.get("cookie", "")}
    for name, value in req.get("headers", {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    if req["method"] == "POST":
        response = client.post(req["path"], req.get("data", {}), **extra)
    else:
        response = client.get(req["path"], req.get("data", {}), **extra)
    body = None
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content)
    cookies = {name: {"value": morsel.coded_value, "max_age": str(morsel["max-age"]),
                      "expires": str(morsel["expires"])}
               for name, morsel in response.cookies.items()}
    return {"status": response.status_code, "body": body, "set_cookies": cookies}


def handle(req):
    op = req["op"]
    if op == "create_user":
        user = User.objects.create_user(req["username"], password=req["password"])
        return {"id": str(user.pk), "hash": user.password}
    if op == "set_password":
        user = User.objects.get(username=req["username"])
        user.set_password(req["password"])
        user.save()
        return {"hash": user.password}
    if op == "password_hash":
        return {"hash": User.objects.get(username=req["username"]).password}
    if op == "request":
        return request(req)
    raise ValueError("unknown op %r" % op)


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    print(json.dumps({"django": django.get_version(), "secret": SECRET}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(handle(json.loads(line)), separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
