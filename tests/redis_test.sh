#!/usr/bin/env bash
# Starts a throwaway redis-server on a free loopback port and a unix socket (the default
# user without a password, plus an ACL user "crumb"), runs the redis_store tests against
# it, and stops it. usage: redis_test.sh [wrapper...] path/to/redis_store_test
set -euo pipefail
command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)"; exit 1; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
  --user default on nopass '~*' '&*' '+@all' --user crumb on '>crumb-test-password' '~*' '&*' '+@all' \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
cleanup() {
  local pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null) || true
  [[ -n $pid ]] && { kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; } || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && [[ -s $dir/redis.pid ]] && break
  sleep 0.1
done
CRUMB_REDIS_PORT=$port CRUMB_REDIS_SOCKET=$dir/redis.sock CRUMB_REDIS_PID=$(cat "$dir/redis.pid") "$@"
