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

# Errors: name on stderr, exit 1.
err=$(echo "$token" | "$crumb" verify --profile django --now 1700000061 --max-age 60 2>&1 >/dev/null)
check "expired exit" 1 $?
check "expired name" expired "$err"
err=$(echo "${token}x" | "$crumb" verify --profile django --now 1700000000 2>&1 >/dev/null)
check "invalid_signature" invalid_signature "$err"
err=$(echo "nonsense" | "$crumb" verify --profile django 2>&1 >/dev/null)
check "malformed" malformed "$err"
err=$(echo "$token" | CRUMB_SECRET=other "$crumb" verify --profile django --now 1700000000 2>&1 >/dev/null)
check "wrong key" invalid_signature "$err"
err=$(echo '[1,' | "$crumb" sign --profile django 2>&1 >/dev/null)
check "bad json" invalid_json "$err"

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
check "signs with current" invalid_signature "$err"

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
check "not an object" type_mismatch "$err"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "all CLI checks passed"
