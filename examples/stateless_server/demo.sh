#!/usr/bin/env bash
# Two stateless servers, one secret, one store; a scripted visitor alternates between
# them and each step prints which process answered, the cookie's size and whether the
# session lives in the cookie or in the store. Then more visitors show the CSRF checks
# and the accounts: a password change and a "log out everywhere" end a user's other
# sessions on both servers, with a flash message shown once. Every visitor keeps the
# CSRF token of its last page and sends it with each POST, as a page's script would.
#
#   examples/stateless_server/demo.sh            build, run the visitor, stop the servers
#   examples/stateless_server/demo.sh --serve    ... and leave them running for a browser
#   examples/stateless_server/demo.sh --check    ... asserting every step (the e2e test)
#   examples/stateless_server/demo.sh --redis    ... with a throwaway redis-server as the
#                                                store instead of a directory
#
# Options: --server PATH and --crumb PATH use prebuilt binaries instead of building.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
serve=0 check=0 redis=0 server="" crumb_cli=""
while (($#)); do
  case $1 in
    --serve) serve=1 ;;
    --check) check=1 ;;
    --redis) redis=1 ;;
    --server) server=$2; shift ;;
    --crumb) crumb_cli=$2; shift ;;
    *) echo "usage: $0 [--serve] [--check] [--redis] [--server PATH] [--crumb PATH]" >&2; exit 2 ;;
  esac
  shift
done

if [[ -z $server ]]; then
  echo "building everything (cmake + ninja into build/; the first time takes a few minutes) ..."
  cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
  cmake --build "$root/build" -j 2 >/dev/null
  server=$root/build/bin/stateless_server
  crumb_cli=$root/build/bin/crumb
fi

python=python3
[[ -x /usr/bin/python3 ]] && python=/usr/bin/python3  # the system's: starts fastest
free_port() { "$python" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=${PORT_A:-$(free_port)}
port_b=${PORT_B:-$(free_port)}
work=$(mktemp -d)
store=$work/store
jar=$work/cookies.txt
CRUMB_SECRET=$("$python" -S -c 'import secrets; print(secrets.token_urlsafe(48))')
export CRUMB_SECRET
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Session entries: not the .usage count, nor the accounts and revocations kept beside them.
store_entries() {
  ls "$store" | grep '\.session$' | grep -Ev '^(account|crumb-generation)-' || true
}
if ((redis)); then
  command -v redis-server >/dev/null || { echo "--redis needs redis-server (apt-get install redis-server)"; exit 1; }
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  store=redis://127.0.0.1:$redis_port
  # Session entries only: the store also keeps its bookkeeping under crumb:session:@...
  store_entries() {
    redis-cli -p "$redis_port" --scan --pattern 'crumb:session:*' |
      grep -Ev ':@|:(account|crumb-generation)-' || true
  }
fi

"$server" --port "$port_a" --store "$store" --name A >"$work/a.log" 2>&1 &
pids+=($!)
"$server" --port "$port_b" --store "$store" --name B >"$work/b.log" 2>&1 &
pids+=($!)
for port in "$port_a" "$port_b"; do
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/__ready" && break
    sleep 0.1
  done
done

failures=0
# fields BODY_FILE [HEADERS_FILE [JAR]]: each top-level field of a response body into
# F[name] (strings as they are, the rest as JSON), and with the headers a few of the
# response's own: F[status], F[text] (a body that is not JSON: an error's short text),
# F[flash] (the flash messages as "level: text | ..."), F[set_cookies] (the names the
# response sets or deletes), F[server] from X-Crumb-Server when the body has none. With
# JAR, every cookie the response deletes (Max-Age=0) leaves the jar file: curl 7.88 keeps
# one it read from the file when the same response sets another cookie (see curl pull
# request #10685), e.g. the messages cookie beside a new sessionid. One Python start per
# response, not one per field.
declare -A F
fields() {
  F=()
  local pair
  while IFS= read -r -d '' pair; do F[${pair%%=*}]=${pair#*=}; done < <(
    "$python" -S -c '
import json, sys
body_file, headers_file, jar = (sys.argv[1:] + ["", ""])[:3]
with open(body_file, encoding="utf-8", errors="replace") as f:
    raw = f.read()
try:
    body = json.loads(raw)
except ValueError:
    body = None
out = {}
if isinstance(body, dict):
    for k, v in body.items():
        out[k] = v if isinstance(v, str) else json.dumps(v)
    out["flash"] = " | ".join(m["level"] + ": " + m["text"] for m in body.get("messages", []))
else:
    out["text"] = raw.strip()
if headers_file:
    with open(headers_file, encoding="latin-1") as f:
        lines = [line.rstrip("\r\n") for line in f]
    out["status"] = lines[0].split()[1] if lines and len(lines[0].split()) > 1 else "000"
    names, expired = [], set()
    for line in lines[1:]:
        key, _, v = line.partition(":")
        key, v = key.strip().lower(), v.strip()
        if key == "x-crumb-server":
            out.setdefault("server", v)
        elif key == "set-cookie":
            name = v.split("=", 1)[0]
            names.append(name)
            if any(a.strip().lower() == "max-age=0" for a in v.split(";")[1:]):
                expired.add(name)
    out["set_cookies"] = " ".join(names)
    out["expired"] = " ".join(sorted(expired))
    if jar and expired:
        with open(jar) as f:
            kept = [l for l in f if len(l.split("\t")) < 7 or l.split("\t")[5] not in expired]
        with open(jar, "w") as f:
            f.writelines(kept)
for k, v in out.items():
    sys.stdout.write(k + "=" + v + "\0")
' "$@")
}
field() { echo "${F[$1]:-<missing>}"; }

# Visitors: each has its own cookie jar and, as a page's script would, keeps the CSRF
# token of the last JSON page it got, to send with each POST (X-CSRFToken).
declare -A TOKEN
me="" jar=""
visitor() { me=$1 jar=$work/jar-$1.txt; }
cookie_bytes() {
  awk '$6 ~ /^sessionid/ { n += length($6) + length($7) } END { print n + 0 }' "$jar" \
    2>/dev/null || echo 0
}

step=0
# visit SERVER METHOD PATH [-d FORM] [--token TOKEN] [EXPECT_FIELD=VALUE ...]
# The current visitor's request: a POST carries FORM (always a body, maybe empty) and the
# visitor's CSRF token, or TOKEN instead ('' for none). Each expectation is checked with
# --check; a step without status=... must be a 200.
visit() {
  local who=$1 method=$2 path=$3
  shift 3
  local port=$port_a form="" token=${TOKEN[$me]:-}
  [[ $who == B ]] && port=$port_b
  while (($#)); do
    case $1 in
      -d) form=$2; shift 2 ;;
      --token) token=$2; shift 2 ;;
      *) break ;;
    esac
  done
  step=$((step + 1))
  local args=(-s -o "$work/body" -D "$work/headers" -b "$jar" -c "$jar" -X "$method")
  if [[ $method == POST ]]; then
    args+=(--data-raw "$form")
    [[ -n $token ]] && args+=(-H "X-CSRFToken: $token")
  fi
  curl "${args[@]}" "http://127.0.0.1:$port$path" ||
    { echo "request to $who failed; server logs:"; cat "$work"/*.log; exit 1; }
  fields "$work/body" "$work/headers" "$jar"
  [[ $(field status) == 200 && -n ${F[csrf_token]:-} ]] && TOKEN[$me]=${F[csrf_token]}
  local shown=$path
  [[ -n $form ]] && shown+=" $form"
  printf '%2d  %-6s %-4s %-36s -> %s %s' "$step" "$me" "$method" "$shown" "$(field server)" \
    "$(field status)"
  if [[ $(field status) == 200 ]]; then
    printf ' | in %-6s | cookie %4s B | visits=%s user=%s cart=%s history=%s' \
      "$(field lives_in)" "$(cookie_bytes)" "$(field visits)" "$(field user)" "$(field cart)" \
      "$(field history)"
    [[ -n ${F[flash]:-} ]] && printf ' | %s' "${F[flash]}"
  else
    printf ' | %s' "$(field text)"
  fi
  printf '\n'
  local expectations=("$@")
  [[ " $* " == *" status="* ]] || expectations=(status=200 "$@")
  for expectation in "${expectations[@]}"; do
    local key=${expectation%%=*} want=${expectation#*=} got
    got=${F[$key]-<missing>}
    if ((check)) && [[ $got != "$want" ]]; then
      echo "    FAIL: $key is $got, expected $want"
      failures=$((failures + 1))
    fi
  done
}

echo "servers A (:$port_a) and B (:$port_b) share one secret and the store $store"
visitor alice
visit A GET / visits=1 lives_in=cookie server=A flash=
visit B GET / visits=2 server=B
visit A POST /login -d 'user=alice&password=correct+horse' user=alice \
  'flash=success: Welcome, alice.'
visit B POST '/cart/add?item=book' 'cart=["book"]' flash=
visit A POST '/cart/add?item=pen' 'cart=["book", "pen"]'
visit B POST '/history?n=100' lives_in=store history=100
visit A GET / lives_in=store visits=3 history=100 user=alice
visit B POST '/history?n=5' lives_in=store history=105
visit A POST /history/clear lives_in=cookie history=0
visit B POST '/cart/remove?item=pen' 'cart=["book"]' lives_in=cookie
((check)) && [[ -n $(store_entries) ]] && { echo "    FAIL: store not emptied"; failures=$((failures + 1)); }
# The logout expires the session cookie and sets no other (no new session for a token).
visit A POST /logout user=null visits=0 'flash=info: Logged out.' set_cookies=sessionid \
  expired=sessionid
visit B GET / visits=1 user=null flash=

echo "CSRF: a POST without the session's token, with a forged one or another visitor's is"
echo "refused, and the session stays as it was (no Set-Cookie)"
forged=$(printf 'Z%.0s' {1..64})
visit A POST '/cart/add?item=pen' --token '' status=403 \
  'text=CSRF token missing or incorrect' set_cookies=
visit B POST '/cart/add?item=pen' --token "$forged" status=403 set_cookies=
visitor bob
visit B GET / visits=1 user=null
bobs_token=${TOKEN[bob]:-}
((check)) && [[ -z $bobs_token ]] &&
  { echo "    FAIL: bob got no CSRF token"; failures=$((failures + 1)); }
visitor alice
visit A POST '/cart/add?item=pen' --token "$bobs_token" status=403 set_cookies=
# The token in the URL is not taken (Django reads request.POST only): it would be logged.
visit A POST "/cart/add?item=pen&csrfmiddlewaretoken=${TOKEN[alice]:-}" --token '' status=403 \
  set_cookies=
visit A POST '/cart/add?item=pen' -d "csrfmiddlewaretoken=${TOKEN[alice]:-}" --token '' \
  'cart=["pen"]'
visit A POST '/cart/remove?item=pen' 'cart=[]'
# The form's media type is case-insensitive.
status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
  -H 'Content-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8' \
  --data-raw "csrfmiddlewaretoken=${TOKEN[alice]:-}" "http://127.0.0.1:$port_a/history/clear")
((check)) && [[ $status != 200 ]] &&
  { echo "    FAIL: a form body typed Application/X-WWW-Form-Urlencoded: $status"; failures=$((failures + 1)); }
visit B GET / visits=2 'cart=[]' user=null
echo "log in: a wrong password is refused; the token from before the login is not accepted after it"
visit A POST /login -d 'user=alice&password=wrong' status=403 'text=wrong password' set_cookies=
before_login=${TOKEN[alice]:-}
visit B POST /login -d 'user=alice&password=correct+horse' user=alice visits=2
visit A POST '/cart/add?item=pen' --token "$before_login" status=403 set_cookies=
visit A POST '/cart/add?item=pen' 'cart=["pen"]' user=alice

echo "a password change (carol, on two devices) logs out her other sessions, on every server"
visitor carol1
visit A GET /
visit A POST /login -d 'user=carol&password=first' user=carol 'flash=success: Welcome, carol.'
visit B GET / user=carol flash=
visitor carol2
visit B GET /
visit B POST /login -d 'user=carol&password=first' user=carol
visitor carol1
visit A POST /password -d 'password=first&new_password=second' user=carol \
  'flash=success: Password changed: your other sessions are logged out.'
visitor carol2
visit B GET / user=null visits=1 'flash=warning: Your password was changed: log in again.'
visit A GET / user=null visits=2 flash=
visitor carol1
visit B GET / user=carol flash=
visit A GET / user=carol
visitor carol3
visit A GET /
visit A POST /login -d 'user=carol&password=first' status=403 'text=wrong password'
visit B POST /login -d 'user=carol&password=second' user=carol

echo "log out everywhere (dave, on three devices): every session of his ends, on every server"
for device in dave1:A dave2:B dave3:A; do
  visitor "${device%:*}"
  visit "${device#*:}" GET /
  visit "${device#*:}" POST /login -d 'user=dave&password=pw' user=dave
done
visitor dave1
visit A POST /logout/everywhere user=null 'flash=info: Logged out everywhere.'
visitor dave2
visit B GET / user=null 'flash=warning: You were logged out everywhere.'
visit B GET / user=null flash=
visitor dave3
visit A GET / user=null 'flash=warning: You were logged out everywhere.'
visitor carol1
visit B GET / user=carol flash=
visitor dave2
visit B POST /login -d 'user=dave&password=pw' user=dave
visit A GET / user=dave flash=

if ((check)); then
  # A tampered cookie gets a fresh, empty session (and the reason, for logs).
  curl -s -o "$work/body" \
    -H 'Cookie: sessionid=eyJ2aXNpdHMiOjk5fQ:1r31eq:forgedforgedforgedforgedforgedforgedforged' \
    "http://127.0.0.1:$port_a/"
  fields "$work/body"
  [[ $(field visits) == 1 && $(field rejected_cookie) == invalid_signature ]] ||
    { echo "FAIL: tampered cookie: $(cat "$work/body")"; failures=$((failures + 1)); }
  # A genuine but expired cookie (signed three weeks ago) too.
  old=$(echo '{"visits":99}' | "$crumb_cli" sign --profile django --now $(( $(date +%s) - 1814400 )))
  curl -s -o "$work/body" -H "Cookie: sessionid=$old" "http://127.0.0.1:$port_b/"
  fields "$work/body"
  [[ $(field visits) == 1 && $(field rejected_cookie) == expired ]] ||
    { echo "FAIL: expired cookie: $(cat "$work/body")"; failures=$((failures + 1)); }
  # And the same token, fresh, is accepted by both: one secret, any server.
  fresh=$(echo '{"visits":99}' | "$crumb_cli" sign --profile django)
  curl -s -o "$work/body" -H "Cookie: sessionid=$fresh" "http://127.0.0.1:$port_b/"
  fields "$work/body"
  [[ $(field visits) == 100 ]] ||
    { echo "FAIL: CLI-made cookie: $(cat "$work/body")"; failures=$((failures + 1)); }
  # Bad input is a 400 with a short text, never a 500 nor an exception's text in a header
  # (item=%FF, invalid UTF-8, once threw): bytes that are not UTF-8, an encoded surrogate,
  # a control character, an n that is not a number or out of range, a login without a
  # name or a password, a password in the URL (only the form body carries one), a new
  # password that is not UTF-8. Sent by a logged-in visitor with its token (without one,
  # any POST is a 403).
  visitor alice
  for case in '/cart/remove?item=%FF' '/cart/add?item=%ED%A0%80' '/cart/add?item=a%0Ab' \
      '/history?n=abc' '/history?n=1001' '/login user=' '/login user=x' \
      '/login?user=x&password=in-the-url' '/password password=x&new_password=%FF'; do
    path=${case%% *} body=
    [[ $case == *" "* ]] && body=${case#* }
    reply=$(curl -s -i --data-raw "$body" -b "$jar" -H "X-CSRFToken: ${TOKEN[alice]:-}" \
      "http://127.0.0.1:$port_a$path")
    [[ $reply == "HTTP/1.1 400 "* && $reply != *EXCEPTION_WHAT* && $reply != *Set-Cookie* ]] ||
      { echo "FAIL: $case: ${reply%%$'\r'*}"; failures=$((failures + 1)); }
  done
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all end-to-end checks passed"
fi

if ((serve)); then
  echo
  echo "serving: http://127.0.0.1:$port_a/ (A) and http://127.0.0.1:$port_b/ (B); Ctrl-C stops them"
  echo "  try: curl -c jar -b jar http://127.0.0.1:$port_a/   (and send its \"csrf_token\" with each POST:)"
  echo "       curl -c jar -b jar -d '' -H 'X-CSRFToken: TOKEN' 'http://127.0.0.1:$port_b/history?n=50'"
  wait
fi
