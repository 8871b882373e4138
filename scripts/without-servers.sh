#!/usr/bin/env bash
# Runs a command with a PATH on which no server the tests use can be found
# (redis-server, redis-cli, memcached, nginx, chromium): every other command of
# the current PATH is linked into a temporary directory that becomes the PATH.
# Proves the unit tests need no servers: scripts/without-servers.sh pnpm test:unit
set -euo pipefail
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  [[ -d "$dir" ]] || continue
  for cmd in "$dir"/*; do
    name=${cmd##*/}
    case "$name" in redis-* | memcached | nginx | chromium | chromium-browser | google-chrome*) continue ;; esac
    [[ -x "$cmd" && ! -e "$bin/$name" ]] && ln -s "$cmd" "$bin/$name"
  done
done
PATH="$bin" "$@"
