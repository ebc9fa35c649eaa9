#!/bin/sh
# make run: suijid in the foreground on embedded defaults. Everything lives
# under ./var: the ledger and keys in var/data, a local suiji-beacon (one
# round every 10 seconds) in var/beacon serving on 127.0.0.1:7391, and an
# administrator's client key made on first run. The log key stays in
# var/data, so the daemon signs a checkpoint within checkpoint_delay of
# every change (docs/config.md) and the ledger always has a recent one.
# Ctrl-C stops both.
set -eu
B=$(cd "${1:-build}" && pwd)
VAR=var
DATA=$VAR/data
BEACON_PORT=${SUIJI_BEACON_PORT:-7391}
mkdir -p "$VAR"

if [ ! -d "$VAR/beacon" ]; then
	"$B/suiji-beacon" init --dir "$VAR/beacon" --period 10
fi
"$B/suiji-beacon" run --dir "$VAR/beacon" --listen "127.0.0.1:$BEACON_PORT" \
	>"$VAR/beacon.log" 2>&1 &
BEACON_PID=$!
trap 'kill $BEACON_PID 2>/dev/null || true' EXIT INT TERM

if [ ! -f "$DATA/ledger.db" ]; then
	"$B/suijid" -d "$DATA" init --origin suiji.local/default \
		--description "suiji on embedded defaults (make run)"
	"$B/suijid" -d "$DATA" add-agency --code admin --name "suiji administration"
	"$B/suiji" keygen -k "$VAR/admin.key" --name admin@local >"$VAR/admin.vkey"
	"$B/suijid" -d "$DATA" add-client --key "$VAR/admin.vkey" --agency admin --role admin
	sleep 1
	"$B/suijid" -d "$DATA" add-beacon --id local-beacon --url "http://127.0.0.1:$BEACON_PORT" \
		--margin-ms 2000 --note "the local suiji-beacon of make run"
fi
"$B/suijid" -d "$DATA" daemon-key >"$VAR/daemon.vkey"
"$B/suijid" -d "$DATA" log-key >"$VAR/log.vkey"
cat <<MSG

suiji is starting on embedded defaults.
  ledger and keys:     $DATA
  administrator key:   $VAR/admin.key   (public: $VAR/admin.vkey)
  daemon key to pin:   $VAR/daemon.vkey
  local beacon:        http://127.0.0.1:$BEACON_PORT  (suijid add-beacon id local-beacon)
Try, in another terminal:
  $B/suiji status --server tcp:127.0.0.1:7207 --daemon-key $VAR/daemon.vkey -k $VAR/admin.key
  $B/suiji-verify --log-key $VAR/log.vkey --max-age 10m $DATA/ledger.db
Ctrl-C stops the daemon and the beacon.

MSG
"$B/suijid" -d "$DATA" run
