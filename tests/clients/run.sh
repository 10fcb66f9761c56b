#!/usr/bin/env bash
# Runs flow.mjs with the official Bitrix24 JS clients against chatemu as a
# user starts it: `go run ./cmd/chatemu --tls` on a free loopback port,
# its CA trusted through NODE_EXTRA_CA_CERTS.
#
#   tests/clients/run.sh          (from the repository root or anywhere)
#
# Needs Go, Node.js 20+ and npm (the clients are installed with npm ci the
# first time).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
# go run starts chatemu as its child: both run in their own process group,
# which is what gets stopped at the end.
trap '[ -n "${pid:-}" ] && kill -- "-$pid" 2>/dev/null; rm -rf "$work"' EXIT

[ -d "$here/node_modules/@bitrix24/b24jssdk" ] || (cd "$here" && npm ci --no-audit --no-fund)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$root" && exec setsid go run ./cmd/chatemu --addr "127.0.0.1:$port" --tls --tls-ca "$work/ca.pem") >"$work/chatemu.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	curl -fsS --cacert "$work/ca.pem" "https://127.0.0.1:$port/_emulator/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
cat "$work/chatemu.log"
for script in flow.mjs bot-handler.mjs; do
	# each script starts from the default fixtures (the flow spends the fixture token)
	curl -fsS --cacert "$work/ca.pem" -X POST "https://127.0.0.1:$port/_emulator/reset" >/dev/null
	CHATEMU_URL="https://127.0.0.1:$port" NODE_EXTRA_CA_CERTS="$work/ca.pem" node "$here/$script"
done
