#!/usr/bin/env bash
# Installs (when missing) and starts what the full test suite needs: PostgreSQL, Redis and Chromium from
# Debian's packages, on loopback only. Safe to run again: it skips what is already there and running.
# Prints the environment to use as `export` lines on stdout; progress goes to stderr.
set -euo pipefail
say() { printf '[services] %s\n' "$*" >&2; }

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing ${need[*]} and not root: install them (apt-get install -y ${need[*]}) and run again"; exit 1
  fi
  say "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# PostgreSQL: the Debian cluster, loopback only, with a password for TCP logins.
version=$(pg_lsclusters -h | awk 'NR==1{print $1}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk '$2=="main"{print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do su postgres -c 'psql -qtAc "select 1"' >/dev/null 2>&1 && break; sleep 1; done
su postgres -c "psql -qc \"alter user postgres password 'postgres'\"" >/dev/null
port=$(pg_lsclusters -h | awk '$2=="main"{print $3}')

# Redis on loopback, no persistence (it only carries change events).
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >&2
  for _ in $(seq 1 30); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

echo "export TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:${port}/postgres"
echo "export TEST_REDIS_URL=redis://127.0.0.1:6379"
echo "export CHROMIUM_PATH=$(command -v chromium)"
