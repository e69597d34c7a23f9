#!/usr/bin/env bash
# Makes sure the local PostgreSQL the PostgreSQL tests use is up (127.0.0.1:5432, trust auth).
# Starts the machine's cluster when it is installed but stopped; says so and goes on when there is none
# (the PostgreSQL tests then fail with a message naming DATABASE_URL / HRFLOW_TEST_DATABASE_URL).
set -uo pipefail
host=${PGHOST_TEST:-127.0.0.1}
if pg_isready -h "$host" -p 5432 -q 2>/dev/null; then
  echo "postgresql: ready on $host:5432"
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -n | tail -n 1)
  echo "postgresql: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h "$host" -p 5432 -q 2>/dev/null && { echo "postgresql: ready"; exit 0; }
    sleep 1
  done
fi
echo "postgresql: not available on $host:5432" >&2
exit 0
