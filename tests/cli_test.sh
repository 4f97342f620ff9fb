#!/usr/bin/env bash
# The `crumb` CLI: sign/verify round trip, exact outputs, exit codes, secrets off argv.
# usage: cli_test.sh path/to/crumb
set -u
crumb=$1
failures=0
check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" != "$3" ]]; then
    echo "FAIL $1: expected [$2] got [$3]"
    failures=$((failures + 1))
  else
    echo "ok   $1"
  fi
}
check_error() {  # check_error NAME ERROR STDERR: the error's name, then ": " and why
  check "$1" "$2" "${3%%:*}"
  [[ "$3" == "$2: "?* ]] || check "$1 says why" "$2: <why>" "$3"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CRUMB_SECRET='django-insecure-cli-test-secret'
unset CRUMB_SECRET_FALLBACKS

# Fixed clock: the token is exactly what Django 3.2 makes for this input (same as compat_test).
token=$(echo '{"a":1}' | "$crumb" sign --profile django --now 1700000000 --no-compress)
check "sign exit" 0 $?
check "sign shape" "eyJhIjoxfQ:1r31eq" "${token%:*}"
out=$(echo "$token" | "$crumb" verify --profile django --now 1700000000 --max-age 60)
check "verify exit" 0 $?
check "verify output" '{"a":1}' "$out"

out=$(printf '  %s \r\n\n' "$token" | "$crumb" verify --profile django --now 1700000000)
check "whitespace around the token" '{"a":1}' "$out"

# Python's formatting on the way out: ensure_ascii, repr floats, insertion order.
out=$(printf '%s' '{"z":1.0,"a":"é👋","n":1e16}' | "$crumb" sign --profile django --now 1700000000 \
  | "$crumb" verify --profile django --now 1700000000)
check "python format" '{"z":1.0,"a":"\u00e9\ud83d\udc4b","n":1e+16}' "$out"

# Errors: `name: why` on stderr, exit 1.
err=$(echo "$token" | "$crumb" verify --profile django --now 1700000061 --max-age 60 2>&1 >/dev/null)
check "expired exit" 1 $?
check_error "expired name" expired "$err"
[[ "$err" == "expired: signed 1 min 1 s ago, max age 1 min; "* ]] && check "expired in human terms" ok ok \
  || check "expired in human terms" "expired: signed 1 min 1 s ago, max age 1 min; ..." "$err"
err=$(echo "${token}x" | "$crumb" verify --profile django --now 1700000000 2>&1 >/dev/null)
check_error "invalid_signature" invalid_signature "$err"
err=$(echo "nonsense" | "$crumb" verify --profile django 2>&1 >/dev/null)
check_error "malformed" malformed "$err"
err=$(echo "$token" | CRUMB_SECRET=other CRUMB_SECRET_FALLBACKS=another "$crumb" verify --profile django \
  --now 1700000000 2>&1 >/dev/null)
check_error "wrong key" invalid_signature "$err"
[[ "$err" == "invalid_signature: no key of the ring (2 keys) made this signature"* ]] \
  && check "wrong key says the ring" ok ok || check "wrong key says the ring" "no key of the ring (2 keys)..." "$err"
err=$(echo '[1,' | "$crumb" sign --profile django 2>&1 >/dev/null)
check_error "bad json" invalid_json "$err"

# Fallback secrets, from the environment and from a file.
out=$(echo "$token" | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=$'x\ndjango-insecure-cli-test-secret' \
  "$crumb" verify --profile django --now 1700000000)
check "fallback env" '{"a":1}' "$out"
printf 'new\n' > "$tmp/secret"
printf 'django-insecure-cli-test-secret\n' > "$tmp/fallbacks"
out=$(echo "$token" | env -u CRUMB_SECRET "$crumb" verify --profile django --now 1700000000 \
  --secret-file "$tmp/secret" --fallback-file "$tmp/fallbacks")
check "fallback file" '{"a":1}' "$out"
# Tokens are signed with the current secret only.
new_token=$(echo '{"a":1}' | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=old "$crumb" sign --profile django)
err=$(echo "$new_token" | CRUMB_SECRET=old "$crumb" verify --profile django 2>&1 >/dev/null)
check_error "signs with current" invalid_signature "$err"

# Usage errors exit 2.
echo '{}' | env -u CRUMB_SECRET "$crumb" sign --profile django >/dev/null 2>&1
check "no secret" 2 $?
echo '{}' | "$crumb" sign >/dev/null 2>&1
check "no profile" 2 $?
echo '{}' | "$crumb" sign --profile flask-ish >/dev/null 2>&1
check "bad profile" 2 $?
echo '{}' | "$crumb" frobnicate --profile django >/dev/null 2>&1
check "bad command" 2 $?
echo '{}' | "$crumb" verify --profile django --max-age soon >/dev/null 2>&1
check "bad max-age" 2 $?
# A time past what the clock can hold is refused, not wrapped around to another date.
echo '{}' | "$crumb" sign --profile django --now 20000000000 >/dev/null 2>&1
check "--now out of range" 2 $?
echo '{}' | "$crumb" sign --profile django --now -1 >/dev/null 2>&1
check "--now negative" 2 $?
echo '{}' | "$crumb" sign --profile django --secret hunter2 >/dev/null 2>&1
check "no secret on argv" 2 $?
"$crumb" --help >/dev/null
check "help" 0 $?

# Non-objects are not sessions.
err=$(echo '[1]' | "$crumb" sign --profile django 2>&1 >/dev/null)
check_error "not an object" type_mismatch "$err"

# Every command has its own --help.
for command in sign verify inspect keygen; do
  out=$("$crumb" "$command" --help)
  check "$command --help" 0 $?
  [[ "$out" == "usage: crumb $command"* ]] || check "$command --help text" "usage: crumb $command..." "$out"
  [[ $command == keygen || "$out" == *flask* ]] || check "$command --help mentions flask" flask "$out"
done
[[ "$("$crumb" --help)" == *"--profile flask"* ]] || check "--help mentions flask" flask "$("$crumb" --help)"

# keygen: a fresh 32-byte key in base64url and its native key id, which tokens carry.
out=$("$crumb" keygen)
check "keygen exit" 0 $?
key=$(sed -n 's/^key: //p' <<<"$out")
id=$(sed -n 's/^id: //p' <<<"$out")
[[ "$key" =~ ^[A-Za-z0-9_-]{43}$ ]] && check "keygen key shape" ok ok || check "keygen key shape" "43 base64url chars" "$key"
[[ "$id" =~ ^[0-9a-f]{8}$ ]] && check "keygen id shape" ok ok || check "keygen id shape" "8 hex digits" "$id"
check "keygen two lines" 2 "$(wc -l <<<"$out")"
[[ "$("$crumb" keygen)" != "$out" ]] && check "keygen is random" ok ok || check "keygen is random" different same
token=$(echo '{"k":1}' | CRUMB_SECRET=$key "$crumb" sign --profile native)
out=$(echo "$token" | CRUMB_SECRET=$key "$crumb" verify --profile native)
check "keygen key signs and verifies" '{"k":1}' "$out"
check "keygen id is the token's" "key id: $id" "$("$crumb" inspect "$token" | grep '^key id: ')"
"$crumb" keygen extra >/dev/null 2>&1
check "keygen takes no operands" 2 $?

# Native: round trip in both modes; the mode is the token's own unless --encrypt demands it.
T=1700000000
session='{"user":"42","cart":["tea","cake"]}'
for mode in signed encrypted; do
  flag=(); [[ $mode == encrypted ]] && flag=(--encrypt)
  token=$(echo "$session" | "$crumb" sign --profile native "${flag[@]}" --now $T)
  check "native $mode sign" 0 $?
  out=$(echo "$token" | "$crumb" verify --profile native "${flag[@]}" --now $T)
  check "native $mode round trip" "$session" "$out"
  out=$(echo "$token" | "$crumb" verify --profile native --now $T)
  check "native $mode, mode from the token" "$session" "$out"
  # One character of the body changed: refused.
  c=${token:24:1}; [[ $c == A ]] && r=B || r=A
  err=$(echo "${token:0:24}$r${token:25}" | "$crumb" verify --profile native --now $T 2>&1 >/dev/null)
  check "native $mode tampered exit" 1 $?
  check "native $mode tampered" invalid_signature "${err%%:*}"
done
padded=$(tr -- '-_' '+/' <<<"$token")===
n=$(echo "$padded" | base64 -d 2>/dev/null | tr -d '\0' | grep -c tea)
check "encrypted hides the session" 0 "$n"
signed=$(echo '{}' | "$crumb" sign --profile native --now $T)
err=$(echo "$signed" | "$crumb" verify --profile native --encrypt --now $T 2>&1 >/dev/null)
check "--encrypt refuses a signed token" malformed "${err%%:*}"
check "native tokens differ from django's" "" "$(tr -cd ':' <<<"$signed")"

# Bound to the cookie name and the purpose.
token=$(echo '{"a":1}' | "$crumb" sign --profile native --cookie-name a --now $T)
out=$(echo "$token" | "$crumb" verify --profile native --cookie-name a --now $T)
check "cookie name a under a" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile native --cookie-name b --now $T 2>&1 >/dev/null)
check "cookie name a under b exit" 1 $?
check "cookie name a under b" invalid_signature "${err%%:*}"
token=$(echo '{"a":1}' | "$crumb" sign --profile native --purpose a --encrypt --now $T)
out=$(echo "$token" | "$crumb" verify --profile native --purpose a --now $T)
check "purpose a under a" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile native --purpose b --now $T 2>&1 >/dev/null)
check "purpose a under b exit" 1 $?
check "purpose a under b" invalid_signature "${err%%:*}"

# --ttl: valid before issued-at + ttl, expired from it on (the end is exclusive, and the
# skew window never applies an expiry late).
token=$(echo '{"a":1}' | "$crumb" sign --profile native --ttl 60 --now $T)
out=$(echo "$token" | "$crumb" verify --profile native --now $((T + 59)))
check "ttl before its end" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile native --now $((T + 60)) 2>&1 >/dev/null)
check "ttl at its end exit" 1 $?
check "ttl at its end" expired "${err%%:*}"
[[ "$err" == "expired: "?* ]] && check "expired says why" ok ok || check "expired says why" "expired: ..." "$err"
err=$(echo "$token" | "$crumb" verify --profile native --skew 100 --now $((T + 60)) 2>&1 >/dev/null)
check "the skew does not extend the ttl" expired "${err%%:*}"
out=$(echo "$token" | "$crumb" verify --profile native --ttl 30 --now $((T + 29)))
check "verify's shorter --ttl, before" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile native --ttl 30 --now $((T + 30)) 2>&1 >/dev/null)
check "verify's shorter --ttl applies" expired "${err%%:*}"

# --idle: the same boundary for inactivity.
token=$(echo '{"a":1}' | "$crumb" sign --profile native --idle 30 --now $T)
out=$(echo "$token" | "$crumb" verify --profile native --now $((T + 29)))
check "idle before its end" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile native --now $((T + 30)) 2>&1 >/dev/null)
check "idle at its end" expired "${err%%:*}"
err=$(echo "$token" | "$crumb" verify --profile native --idle 10 --now $((T + 10)) 2>&1 >/dev/null)
check "verify's shorter --idle applies" expired "${err%%:*}"

# --skew: a token from 10 s in the future.
token=$(echo '{"a":1}' | "$crumb" sign --profile native --now $((T + 10)))
err=$(echo "$token" | "$crumb" verify --profile native --now $T 2>&1 >/dev/null)
check "future token, default skew exit" 1 $?
check "future token, default skew" not_yet_valid "${err%%:*}"
err=$(echo "$token" | "$crumb" verify --profile native --skew 9 --now $T 2>&1 >/dev/null)
check "future token, skew 9" not_yet_valid "${err%%:*}"
out=$(echo "$token" | "$crumb" verify --profile native --skew 10 --now $T)
check "future token, skew 10" '{"a":1}' "$out"

# Rotation: a fallback key verifies and asks for a re-sign; removed, it is an unknown key.
token=$(echo '{"a":1}' | CRUMB_SECRET=old "$crumb" sign --profile native --encrypt --now $T)
out=$(echo "$token" | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=old \
  "$crumb" verify --profile native --now $T 2>"$tmp/err")
check "native fallback exit" 0 $?
check "native fallback" '{"a":1}' "$out"
grep -q "re-sign" "$tmp/err" && check "native fallback says re-sign" ok ok \
  || check "native fallback says re-sign" "re-sign" "$(cat "$tmp/err")"
out=$(echo "$token" | CRUMB_SECRET=old CRUMB_SECRET_FALLBACKS=new \
  "$crumb" verify --profile native --now $T 2>"$tmp/err")
check "native current key, no re-sign" "" "$(cat "$tmp/err")"
err=$(echo "$token" | CRUMB_SECRET=new "$crumb" verify --profile native --now $T 2>&1 >/dev/null)
check "native key removed exit" 1 $?
check "native key removed" unknown_key "${err%%:*}"
echo '{"a":1}' | CRUMB_SECRET=new "$crumb" sign --profile native --now $T |
  CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=new "$crumb" verify --profile native --now $T \
  >/dev/null 2>&1
check "a secret twice in the ring counts once" 0 $?
token=$(echo '{"a":1}' | CRUMB_SECRET=old "$crumb" sign --profile django --now $T)
out=$(echo "$token" | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=old \
  "$crumb" verify --profile django --now $T 2>"$tmp/err")
check "django fallback" '{"a":1}' "$out"
grep -q "re-sign" "$tmp/err" && check "django fallback says re-sign" ok ok \
  || check "django fallback says re-sign" "re-sign" "$(cat "$tmp/err")"

# Secrets are used byte for byte: a blank one (anyone could sign with it) or one with
# spaces around it is refused, from the environment and from files alike.
forged=$(echo '{"user":"admin"}' | CRUMB_SECRET=x "$crumb" sign --profile native --now $T)
for fallbacks in $'old\n \n' $'old\n\t' $'old \n'; do
  err=$(echo "$forged" | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS="$fallbacks" \
    "$crumb" verify --profile native --now $T 2>&1 >/dev/null)
  rc=$?
  check "fallbacks $(printf %q "$fallbacks") refused" 2 $rc
  [[ "$err" == "crumb: line 2 of \$CRUMB_SECRET_FALLBACKS is blank"* ||
     "$err" == "crumb: line 1 of \$CRUMB_SECRET_FALLBACKS has spaces or tabs around it"* ]] \
    && check "fallbacks $(printf %q "$fallbacks") named" ok ok \
    || check "fallbacks $(printf %q "$fallbacks") named" "line N of \$CRUMB_SECRET_FALLBACKS ..." "$err"
done
printf 'old\n \n' > "$tmp/blank-fallbacks"
echo "$forged" | "$crumb" verify --profile native --now $T --fallback-file "$tmp/blank-fallbacks" \
  >/dev/null 2>&1
check "a blank line of a fallback file refused" 2 $?
printf ' \n' > "$tmp/blank-secret"
echo "$forged" | "$crumb" verify --profile native --now $T --secret-file "$tmp/blank-secret" \
  >/dev/null 2>&1
check "a blank secret file refused" 2 $?
echo "$forged" | CRUMB_SECRET=' ' "$crumb" verify --profile native --now $T >/dev/null 2>&1
check "a blank \$CRUMB_SECRET refused" 2 $?
echo "$forged" | CRUMB_SECRET='x ' "$crumb" verify --profile native --now $T >/dev/null 2>&1
check "a \$CRUMB_SECRET with a space after it refused" 2 $?
printf 'x\n' > "$tmp/x-secret"
out=$(echo "$forged" | CRUMB_SECRET=$'x\n' "$crumb" verify --profile native --now $T)
check "\$CRUMB_SECRET read as a file is: no trailing newline" '{"user":"admin"}' "$out"
out=$(echo "$forged" | "$crumb" verify --profile native --now $T --secret-file "$tmp/x-secret")
check "the same secret from a file" '{"user":"admin"}' "$out"

# Regression: inspect judged Django's age in exact nanoseconds where verify (and Django)
# compare floats: at 0.1 us past the max age, inspect said expired and verify accepted.
token=$(echo '{"a":1}' | "$crumb" sign --profile django --now 1701209600)
edge=1702419200.0000001  # 14 days and 0.1 us later: the same double as 1702419200
out=$(echo "$token" | "$crumb" verify --profile django --now $edge)
check "django verify 0.1 us past the max age (floats, as Django)" '{"a":1}' "$out"
out=$("$crumb" inspect "$token" --now $edge)
grep -q "^times: expired" <<<"$out" && check "django inspect agrees with verify" "not expired" "$out" \
  || check "django inspect agrees with verify" ok ok
out=$("$crumb" inspect "$token" --now 1702419200.000001)
grep -q "^times: expired" <<<"$out" && check "django inspect 1 us past the max age" ok ok \
  || check "django inspect 1 us past the max age" "times: expired..." "$out"

# inspect: the fields, unverified; with a secret, which key made the token.
token=$(echo '{"a":1}' | "$crumb" sign --profile native --ttl 60 --idle 30 --now $T)
out=$(env -u CRUMB_SECRET "$crumb" inspect "$token" --now $T)
check "inspect native exit" 0 $?
for line in "profile: native" "version: 1" "mode: signed" "compressed: no" \
    "key id: $("$crumb" inspect "$token" | sed -n 's/^key id: //p')" \
    "issued at: 2023-11-14T22:13:20Z (1700000000)" \
    "absolute end: 2023-11-14T22:14:20Z (1700000060), lifetime 60 s" \
    "idle timeout: 30 s" 'payload (UNVERIFIED): {"a":1}' \
    "authentic: not checked (no secret: set CRUMB_SECRET to check it)"; do
  grep -qxF "$line" <<<"$out" && check "inspect native: $line" ok ok \
    || check "inspect native: $line" "$line" "$out"
done
grep -q "^UNVERIFIED" <<<"$out" && check "inspect native UNVERIFIED" ok ok \
  || check "inspect native UNVERIFIED" UNVERIFIED "$out"
check "inspect native key id shape" 1 "$(grep -cE '^key id: [0-9a-f]{8}$' <<<"$out")"
out=$(echo "$token" | "$crumb" inspect - --now $T)
grep -qx "authentic: yes, made with the current key" <<<"$out" && check "inspect current key" ok ok \
  || check "inspect current key" "made with the current key" "$out"
out=$(CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=$'x\ndjango-insecure-cli-test-secret' "$crumb" inspect "$token")
grep -q "^authentic: yes, made with fallback key 2" <<<"$out" && check "inspect fallback key" ok ok \
  || check "inspect fallback key" "made with fallback key 2" "$out"
# A secret listed twice counts once: the first of the two names the key.
out=$(CRUMB_SECRET=django-insecure-cli-test-secret CRUMB_SECRET_FALLBACKS=django-insecure-cli-test-secret \
  "$crumb" inspect "$token")
grep -qx "authentic: yes, made with the current key" <<<"$out" \
  && check "inspect: a secret twice is the current key" ok ok \
  || check "inspect: a secret twice is the current key" "made with the current key" "$out"
out=$(CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=$'django-insecure-cli-test-secret\nx\ndjango-insecure-cli-test-secret' \
  "$crumb" inspect "$token")
grep -q "^authentic: yes, made with fallback key 1" <<<"$out" \
  && check "inspect: a fallback twice is its first place" ok ok \
  || check "inspect: a fallback twice is its first place" "made with fallback key 1" "$out"
# Two secrets with one key id (k35366 and k55188 share id ba7559c1): refused, as verify does.
err=$(CRUMB_SECRET=k35366 CRUMB_SECRET_FALLBACKS=k55188 "$crumb" inspect "$token" 2>&1 >/dev/null)
check "inspect: a key id clash exit" 2 $?
[[ "$err" == "crumb: two secrets of the key ring have the same native key id" ]] \
  && check "inspect: a key id clash says so, once prefixed" ok ok \
  || check "inspect: a key id clash says so, once prefixed" "crumb: two secrets ..." "$err"
out=$(CRUMB_SECRET=new "$crumb" inspect "$token")
check "inspect unknown key exit" 0 $?
grep -q "^authentic: NO: unknown_key" <<<"$out" && check "inspect unknown key" ok ok \
  || check "inspect unknown key" "authentic: NO: unknown_key" "$out"
out=$(echo '{"a":1}' | "$crumb" sign --profile native --encrypt --ttl none | "$crumb" inspect -)
for line in "mode: encrypted" "absolute end: none" "idle timeout: none"; do
  grep -qxF "$line" <<<"$out" && check "inspect encrypted: $line" ok ok \
    || check "inspect encrypted: $line" "$line" "$out"
done
grep -q '"a"' <<<"$(grep -v '^session (verified)' <<<"$out")" \
  && check "inspect does not show encrypted content" hidden shown || check "inspect does not show encrypted content" ok ok

token=$(echo '{"a":1}' | "$crumb" sign --profile django --now $T --no-compress)
out=$(env -u CRUMB_SECRET "$crumb" inspect "$token" --now $((T + 100)))
check "inspect django exit" 0 $?
for line in "profile: django" "timestamp: 2023-11-14T22:13:20Z (1700000000)" \
    "age at 2023-11-14T22:15:00Z (1700000100): 100 s (1 min 40 s)" "compressed: no" \
    "signature: HMAC-SHA256" 'payload (UNVERIFIED): {"a":1}'; do
  grep -qxF "$line" <<<"$out" && check "inspect django: $line" ok ok \
    || check "inspect django: $line" "$line" "$out"
done
grep -q "^UNVERIFIED" <<<"$out" && check "inspect django UNVERIFIED" ok ok \
  || check "inspect django UNVERIFIED" UNVERIFIED "$out"
big='{"k":"'$(printf 'v%.0s' {1..300})'"}'
out=$(echo "$big" | "$crumb" sign --profile django | "$crumb" inspect -)
grep -qx "compressed: yes" <<<"$out" && grep -qxF "payload (UNVERIFIED): $big" <<<"$out" \
  && check "inspect django compressed" ok ok || check "inspect django compressed" "$big" "$out"
out=$(CRUMB_SECRET=other "$crumb" inspect "$token")
grep -q "^authentic: NO" <<<"$out" && check "inspect django wrong key" ok ok \
  || check "inspect django wrong key" "authentic: NO" "$out"

# inspect refuses what is no token, with a reason, and never crashes.
# Native headers: unknown flags, a varint past 63 bits, one not in shortest form, bodies
# shorter than a tag (signed) or a nonce and a tag (encrypted).
for garbage in nonsense "" -Vs3r1puVFAQ4AwjD "a:b:c" "::" "e30:1r31eq:short" AAAA AQ AQAAAAAAAAAA "${signed:0:12}" \
    "${signed}===" "$(head -c 3000 /dev/urandom | base64 -w0)" AQQBAgMEAQAAAAAAAAAAAAAAAAAAAAAAAA \
    AQABAgME_____________wAAAAAAAAAAAAAAAAAAAAAAAA AQABAgMEgAAAAAAAAAAAAAAAAAAAAAAAAAA \
    AQABAgMEAQAAAAAAAAAAAAAAAAAAAAAA AQEBAgMEAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; do
  err=$("$crumb" inspect "$garbage" 2>&1 >/dev/null)
  rc=$?
  check "inspect garbage '${garbage:0:16}' exit" 1 $rc
  [[ "$err" == malformed:\ ?* ]] || check "inspect garbage '${garbage:0:16}' says why" "malformed: ..." "$err"
done
"$crumb" inspect >/dev/null 2>&1
check "inspect without a token" 2 $?
"$crumb" inspect --frobnicate >/dev/null 2>&1
check "inspect unknown option" 2 $?
out=$("$crumb" inspect --now $T -- "$signed" | head -1)
check "inspect -- TOKEN" "profile: native" "$out"

# --now takes a fraction, as Python's time.time(). Django compares floats (now - timestamp
# > max age is expired); Flask compares int(now) - timestamp; tokens hold whole seconds.
T=1700000000
token=$(echo '{"a":1}' | "$crumb" sign --profile django --now $T.9 --no-compress)
check "--now fraction, django signs whole seconds" "eyJhIjoxfQ:1r31eq" "${token%:*}"
out=$(echo "$token" | "$crumb" verify --profile django --max-age 60 --now $((T + 60)))
check "django at timestamp + max age" '{"a":1}' "$out"
err=$(echo "$token" | "$crumb" verify --profile django --max-age 60 --now $((T + 60)).5 2>&1 >/dev/null)
check "django at timestamp + max age + 0.5 exit" 1 $?
check_error "django at timestamp + max age + 0.5" expired "$err"
[[ "$err" == "expired: signed 1 min 0.5 s ago, max age 1 min; "* ]] && check "django fraction says why" ok ok \
  || check "django fraction says why" "expired: signed 1 min 0.5 s ago, max age 1 min; ..." "$err"
out=$(echo "$token" | "$crumb" verify --profile django --max-age 60 --now $((T - 5)))
check "django accepts a future timestamp" '{"a":1}' "$out"
token=$(echo '{"a":1}' | "$crumb" sign --profile native --ttl 60 --now $T)
out=$(echo "$token" | "$crumb" verify --profile native --now $((T + 59)).999)
check "native just before its end" '{"a":1}' "$out"
out=$(echo '{}' | "$crumb" sign --profile native --now 1.7e9 | "$crumb" inspect - | grep '^issued at')
check "--now 1.7e9" "issued at: 2023-11-14T22:13:20Z (1700000000)" "$out"
for junk in 1e3x nan inf "" . 1.2.3 " 1" 0x10 1e 1,5; do
  err=$(echo '{}' | "$crumb" sign --profile django --now "$junk" 2>&1 >/dev/null)
  check "--now '$junk' exit" 2 $?
  [[ "$err" == "crumb: --now wants Unix seconds"* ]] || check "--now '$junk' says why" "crumb: --now wants..." "$err"
done
# Negative, past year 9999, past what the clock holds (2262-04-11T23:47:16.854775807Z).
for far in -5 -0.5 1e300 253402300800 9223372036.854775808; do
  err=$(echo '{}' | "$crumb" verify --profile flask --now "$far" 2>&1 >/dev/null)
  check "--now $far exit" 2 $?
  [[ "$err" == "crumb: --now must be between 0 and "* ]] || check "--now $far says why" "crumb: --now must be..." "$err"
done

# Flask. The token Flask 2.2 makes of {"a":1} at T with this secret (the live checks below
# make it again), and a compressed one of $big.
flask_token=eyJhIjoxfQ.ZVPxAA.W0vLZJ5Mc338wMMGx6E6AJaGDTU
flask_big=.eJyrVspWslIqGwVEA6VaADkNjG4.ZVPxAA.ZtoUc_Lq2CvqoICYoWUxhvsYOVw
token=$(echo '{"a":1}' | "$crumb" sign --profile flask --now $T 2>"$tmp/err")
rc=$?
if [[ $rc -eq 2 ]]; then
  have_flask=no
  grep -q "needs OpenSSL's libcrypto" "$tmp/err" && check "flask without libcrypto says why" ok ok \
    || check "flask without libcrypto says why" "needs OpenSSL's libcrypto" "$(cat "$tmp/err")"
  echo "$flask_token" | "$crumb" verify --profile flask >/dev/null 2>&1
  check "flask verify without libcrypto" 2 $?
  echo "note: this crumb is built without OpenSSL: flask sign/verify checks skipped"
else
  have_flask=yes
  check "flask sign exit" 0 $rc
  check "flask sign, byte for byte as Flask" "$flask_token" "$token"
  out=$(echo '{"b":2,"a":[1]}' | "$crumb" sign --profile flask | "$crumb" verify --profile flask)
  check "flask round trip, keys sorted as Flask" '{"a":[1],"b":2}' "$out"
  out=$(echo "$flask_big" | "$crumb" verify --profile flask --now $T)
  check "flask compressed token" "$big" "$out"
  # Whole seconds: int(now) - timestamp > max age is expired; a future timestamp is refused.
  for now in $((T + 60)) $((T + 60)).5 $T; do
    out=$(echo "$token" | "$crumb" verify --profile flask --max-age 60 --now $now)
    check "flask valid at --now $now" '{"a":1}' "$out"
  done
  err=$(echo "$token" | "$crumb" verify --profile flask --max-age 60 --now $((T + 61)) 2>&1 >/dev/null)
  check "flask expired exit" 1 $?
  check_error "flask expired" expired "$err"
  [[ "$err" == "expired: signed 1 min 1 s ago, max age 1 min; "* ]] && check "flask expired says why" ok ok \
    || check "flask expired says why" "expired: signed 1 min 1 s ago, max age 1 min; ..." "$err"
  err=$(echo "$token" | "$crumb" verify --profile flask --now $((T - 1)).5 2>&1 >/dev/null)
  check "flask future exit" 1 $?
  check_error "flask future" not_yet_valid "$err"
  [[ "$err" == "not_yet_valid: signed 1 s in the future"* ]] && check "flask future says why" ok ok \
    || check "flask future says why" "not_yet_valid: signed 1 s in the future..." "$err"
  out=$(echo "$token" | "$crumb" verify --profile flask --max-age none --now $((T - 100)))
  check "flask --max-age none" '{"a":1}' "$out"
  # Keys, salt, tampering, a token of another profile.
  err=$(echo "$token" | CRUMB_SECRET=other CRUMB_SECRET_FALLBACKS=another "$crumb" verify --profile flask \
    --now $T 2>&1 >/dev/null)
  check "flask wrong key exit" 1 $?
  [[ "$err" == "invalid_signature: no key of the ring (2 keys) made this signature"* ]] \
    && check "flask wrong key says why" ok ok || check "flask wrong key says why" "no key of the ring (2 keys)..." "$err"
  out=$(echo "$token" | CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=django-insecure-cli-test-secret \
    "$crumb" verify --profile flask --now $T 2>"$tmp/err")
  check "flask fallback" '{"a":1}' "$out"
  grep -q "re-sign: verified with fallback key 1" "$tmp/err" && check "flask fallback says re-sign" ok ok \
    || check "flask fallback says re-sign" "re-sign" "$(cat "$tmp/err")"
  err=$(echo "${token/eyJhIjox/eyJhIjoy}" | "$crumb" verify --profile flask --now $T 2>&1 >/dev/null)
  check_error "flask tampered" invalid_signature "$err"
  salted=$(echo '{"a":1}' | "$crumb" sign --profile flask --salt other --now $T)
  out=$(echo "$salted" | "$crumb" verify --profile flask --salt other --now $T)
  check "flask --salt" '{"a":1}' "$out"
  err=$(echo "$salted" | "$crumb" verify --profile flask --now $T 2>&1 >/dev/null)
  check_error "flask another salt" invalid_signature "$err"
  err=$(echo '{"a":1}' | "$crumb" sign --profile django | "$crumb" verify --profile flask 2>&1 >/dev/null)
  check_error "a django token under flask" malformed "$err"
  [[ "$err" == *"--profile django"* ]] && check "a django token under flask says so" ok ok \
    || check "a django token under flask says so" "... (--profile django) ..." "$err"
  err=$(echo '{"id":{" u":"not a uuid"}}' | "$crumb" sign --profile flask 2>&1 >/dev/null)
  check_error "a tag Flask cannot read" invalid_json "$err"
  echo '{}' | "$crumb" verify --profile flask --accept-legacy-sha1 >/dev/null 2>&1
  check "--accept-legacy-sha1 under flask" 2 $?
  echo '{}' | "$crumb" sign --profile flask --ttl 60 >/dev/null 2>&1
  check "--ttl under flask" 2 $?
fi

# inspect reads flask tokens in every build; checks them where flask is built.
out=$(env -u CRUMB_SECRET "$crumb" inspect "$flask_token" --now $((T + 100)).5)
check "inspect flask exit" 0 $?
for line in "profile: flask" "timestamp: 2023-11-14T22:13:20Z (1700000000)" \
    "age at 2023-11-14T22:15:00.5Z (1700000100.5): 100.5 s (1 min 40.5 s)" "compressed: no" \
    "signature: HMAC-SHA1" 'payload (UNVERIFIED): {"a":1}' \
    "times: valid: signed 1 min 40 s ago, max age 31 d" \
    "authentic: not checked (no secret: set CRUMB_SECRET to check it)"; do
  grep -qxF "$line" <<<"$out" && check "inspect flask: $line" ok ok \
    || check "inspect flask: $line" "$line" "$out"
done
grep -q "^UNVERIFIED" <<<"$out" && check "inspect flask UNVERIFIED" ok ok \
  || check "inspect flask UNVERIFIED" UNVERIFIED "$out"
out=$("$crumb" inspect "$flask_big" --max-age 60 --now $((T + 3600)))
for line in "profile: flask" "compressed: yes" "payload (UNVERIFIED): $big" \
    "times: expired: signed 1 h ago, max age 1 min"; do
  grep -qxF "$line" <<<"$out" && check "inspect flask compressed: $line" ok ok \
    || check "inspect flask compressed: $line" "$line" "$out"
done
out=$("$crumb" inspect "$flask_token" --now $((T - 5)))
grep -qx "times: not_yet_valid: signed 5 s in the future.*" <<<"$out" && check "inspect flask future" ok ok \
  || check "inspect flask future" "times: not_yet_valid: signed 5 s in the future..." "$out"
# Both compressed payloads start with '.': the ':' tells django's from flask's.
out=$("$crumb" inspect .eJyrVspWslIqGwVEA6VaADkNjG4:1r31eq:dpDTGE-9LJxHOw-1UqS14rwm00OE9nxwFZKHVPT-MOU | head -1)
check "inspect a compressed django token" "profile: django" "$out"
if [[ $have_flask == yes ]]; then
  out=$(CRUMB_SECRET=new CRUMB_SECRET_FALLBACKS=django-insecure-cli-test-secret "$crumb" inspect "$flask_token")
  grep -qx "authentic: yes, made with fallback key 1 (needs re-sign with the current key)" <<<"$out" \
    && check "inspect flask fallback key" ok ok || check "inspect flask fallback key" "fallback key 1" "$out"
  out=$(CRUMB_SECRET=other "$crumb" inspect "$flask_token")
  grep -q "^authentic: NO: invalid_signature: no key of the ring (1 key)" <<<"$out" \
    && check "inspect flask wrong key" ok ok || check "inspect flask wrong key" "authentic: NO" "$out"
else
  out=$("$crumb" inspect "$flask_token")
  grep -q "^authentic: not checked (this crumb is built without OpenSSL" <<<"$out" \
    && check "inspect flask without libcrypto" ok ok || check "inspect flask without libcrypto" "not checked" "$out"
fi
err=$("$crumb" inspect "a.b.c" 2>&1 >/dev/null)
check "inspect bad flask exit" 1 $?
check_error "inspect bad flask" malformed "$err"

# The real Flask (Debian's python3-flask), both ways, its clock fixed by patching time.time.
flask_py() {  # flask_py dumps NOW JSON | flask_py loads NOW TOKEN MAX_AGE
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
from unittest import mock
from flask import Flask
app = Flask("x")
app.secret_key = "django-insecure-cli-test-secret"
with app.app_context(), mock.patch("time.time", return_value=float(sys.argv[2])):
    s = app.session_interface.get_signing_serializer(app)
    try:
        if sys.argv[1] == "dumps":
            print(s.dumps(json.loads(sys.argv[3])))
        else:
            print(json.dumps(s.loads(sys.argv[3], max_age=int(sys.argv[4])), separators=(",", ":")))
    except Exception as e:
        print(type(e).__name__)
PY
}
if [[ $have_flask == no ]]; then
  :
elif ! /usr/bin/python3 -c 'import flask' 2>/dev/null; then
  echo "note: flask is not importable by /usr/bin/python3 (Debian: python3-flask): live Flask checks skipped"
else
  check "Flask makes the pinned token" "$flask_token" "$(flask_py dumps $T '{"a":1}')"
  check "Flask makes the pinned compressed token" "$flask_big" "$(flask_py dumps $T "$big")"
  session='{"cart":["tea","cake"],"user":"42","é":1.5}'
  theirs=$(flask_py dumps $T.7 "$session")
  ours=$(echo "$session" | "$crumb" sign --profile flask --now $T.7)
  check "crumb and Flask, byte for byte" "$theirs" "$ours"
  out=$(echo "$theirs" | "$crumb" verify --profile flask --now $((T + 60)).9 --max-age 60)
  check "Flask's token in crumb" '{"cart":["tea","cake"],"user":"42","\u00e9":1.5}' "$out"
  check "crumb's token in Flask" '{"cart":["tea","cake"],"user":"42","\u00e9":1.5}' \
    "$(flask_py loads $((T + 60)).9 "$ours" 60)"
  check "Flask refuses it too at timestamp + max age + 1" SignatureExpired "$(flask_py loads $((T + 61)) "$ours" 60)"
fi

# Options belong to their profile.
echo '{}' | "$crumb" sign --profile django --encrypt >/dev/null 2>&1
check "--encrypt under django" 2 $?
echo '{}' | "$crumb" sign --profile native --salt x >/dev/null 2>&1
check "--salt under native" 2 $?
echo '{}' | "$crumb" verify --profile native --max-age 60 >/dev/null 2>&1
check "--max-age under native" 2 $?
echo '{}' | "$crumb" sign --profile native --ttl 0 >/dev/null 2>&1
check "--ttl 0" 2 $?
echo '{}' | "$crumb" verify --profile native --skew -1 >/dev/null 2>&1
check "--skew negative" 2 $?
echo '{}' | "$crumb" sign --profile native --skew 5 >/dev/null 2>&1
check "--skew is verify's" 2 $?

# verify --password-hash: the login Django's get_user() would accept, checked offline. The
# hashes are Django 3.2's salted_hmac(..., algorithm="sha256").hexdigest() of the password
# field under the CLI's secret and under an old one.
pw='pbkdf2_sha256$260000$abc$xyz'
hash_now=2d5a9731962b5acbfbcf5d0b3d64e4733143264538bb7b446d62eb0075f66d9d
hash_old=d9dc0e1c59f382babb602b576627f4ac5c00966e89061752d645fd0179e12ff1
login() {  # login HASH: a session logged in as user 42 with HASH
  printf '{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"%s"}' "$1" \
    | "$crumb" sign --profile django --now 1700000000
}
out=$(login $hash_now | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw")
check "login: exit" 0 $?
check "login: prints the user id" 42 "$out"
err=$(login $hash_now | "$crumb" verify --profile django --now 1700000000 --password-hash "${pw}x" 2>&1 >/dev/null)
check "login after a password change: exit" 1 $?
check_error "login after a password change" auth_hash_mismatch "$err"
err=$(login ${hash_now:1} | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw" 2>&1 >/dev/null)
check_error "login with a malformed hash" auth_hash_mismatch "$err"
err=$(echo '{"a":1}' | "$crumb" sign --profile django --now 1700000000 \
  | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw" 2>&1 >/dev/null)
check "nobody logged in: exit" 1 $?
check_error "nobody logged in" not_found "$err"
err=$(login $hash_old | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw" 2>&1 >/dev/null)
check_error "a hash made with a secret not in the ring" auth_hash_mismatch "$err"
out=$(login $hash_old | CRUMB_SECRET_FALLBACKS=old-cli-secret "$crumb" verify --profile django \
  --now 1700000000 --password-hash "$pw" 2>"$tmp/err")
check "a hash made with a fallback secret" 42 "$out"
[[ "$(cat "$tmp/err")" == *"fallback key 1"* ]] && check "the fallback is named" ok ok \
  || check "the fallback is named" "...fallback key 1..." "$(cat "$tmp/err")"
# Django 3.1/3.2's SHA-1 login hash (salted_hmac(..., algorithm="sha1")), with libcrypto.
hash_sha1=245a8aafd6ff0e239858a575ec79dad13db7f969
err=$(login $hash_sha1 | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw" 2>&1 >/dev/null)
check_error "a SHA-1 login hash without --accept-legacy-sha1" auth_hash_mismatch "$err"
if [[ $have_flask == yes ]]; then  # libcrypto: HMAC-SHA1
  out=$(login $hash_sha1 | "$crumb" verify --profile django --now 1700000000 --password-hash "$pw" \
    --accept-legacy-sha1 2>"$tmp/err")
  check "a SHA-1 login hash with --accept-legacy-sha1" 42 "$out"
  [[ "$(cat "$tmp/err")" == *"legacy SHA-1"* ]] && check "the legacy hash is named" ok ok \
    || check "the legacy hash is named" "...legacy SHA-1..." "$(cat "$tmp/err")"
fi
echo '{}' | "$crumb" verify --profile native --password-hash "$pw" >/dev/null 2>&1
check "--password-hash under native" 2 $?
echo '{}' | "$crumb" sign --profile django --password-hash "$pw" >/dev/null 2>&1
check "--password-hash is verify's" 2 $?

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "all CLI checks passed"
