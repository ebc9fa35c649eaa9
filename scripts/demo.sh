#!/bin/sh
# The whole ledger cycle on embedded defaults, in demo-out/: a log for a
# city's inspections, agencies and their clients, a witness, checkpoints and
# cosignatures, an export, an auditor's full verification, a business's
# inclusion proof, and what happens when someone edits the stored record.
set -eu
B=$(cd "${1:-build}" && pwd)
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
say() { printf '\n== %s\n' "$*"; }

say "The log operator creates the ledger and its checkpoint key (R18)"
"$B/suijid" -d data init --origin suiji.example/lianyungang-2026 \
	--description "连云港市 双随机、一公开 ledger (demo)"
"$B/suijid" -d data log-key > log.vkey
echo "log key: $(cat log.vkey)"

say "Agencies and their clients are registered"
"$B/suijid" -d data add-agency --code sfj --name 连云港市司法局
"$B/suijid" -d data add-agency --code scjg --name 连云港市市场监督管理局 --parent sfj
"$B/suijid" -d data add-agency --code hbj --name 连云港市生态环境局 --parent sfj
"$B/suiji" keygen -k operator.key --name operator@scjg > operator.vkey
"$B/suijid" -d data add-client --key operator.vkey --agency scjg --role operator
"$B/suiji" keygen -k legal.key --name legal@scjg > legal.vkey
"$B/suijid" -d data add-client --key legal.vkey --agency scjg --role legal
"$B/suiji" keygen -k supervisor.key --name supervisor@sfj > supervisor.vkey
"$B/suijid" -d data add-client --key supervisor.vkey --agency sfj --role supervisor

say "The justice bureau runs a witness; the log registers its key"
"$B/suiji" keygen -k witness.key --name witness.sfj.example/w1 --witness > witness.vkey
"$B/suijid" -d data add-witness --key witness.vkey --note "连云港市司法局 witness"

say "The log signs a checkpoint; the witness checks and cosigns it"
"$B/suijid" -d data checkpoint -o checkpoint.1
cat checkpoint.1
"$B/suiji" cosign -k witness.key --log-key log.vkey --state witness.state \
	checkpoint.1 -o checkpoint.1.cosigned
"$B/suijid" -d data cosign checkpoint.1.cosigned

say "More entries, a second checkpoint; the witness needs a consistency proof to move on"
SIZE1=$(sed -n 2p checkpoint.1)
"$B/suijid" -d data add-agency --code wjw --name 连云港市卫生健康委员会 --parent sfj
"$B/suijid" -d data checkpoint -o checkpoint.2
"$B/suijid" -d data prove-consistency "$SIZE1" -o consistency.proof
"$B/suiji" cosign -k witness.key --log-key log.vkey --state witness.state \
	--proof consistency.proof checkpoint.2 -o checkpoint.2.cosigned
"$B/suijid" -d data cosign checkpoint.2.cosigned
"$B/suijid" -d data status

say "An auditor verifies the whole ledger, pinning the log key and the witness"
"$B/suiji-verify" --log-key log.vkey --witness witness.vkey --quorum 1 \
	--checkpoint checkpoint.1 data/ledger.db

say "The portable export verifies on its own, without SQLite"
"$B/suijid" -d data export -o ledger.export
"$B/suiji-verify" --log-key log.vkey --json ledger.export

say "A business checks one entry with an inclusion proof and the log key alone"
"$B/suijid" -d data entry 4 -o entry.4
"$B/suijid" -d data prove-inclusion 4 -o inclusion.4.proof
"$B/suiji-verify" proof inclusion --log-key log.vkey --witness witness.vkey --quorum 1 \
	--entry entry.4 inclusion.4.proof

say "The justice bureau runs an independent beacon (suiji-beacon, one round a second)"
"$B/suiji-beacon" init --dir beacon --period 1
PORT=$((20000 + $$ % 20000))
"$B/suiji-beacon" run --dir beacon --listen "127.0.0.1:$PORT" >beacon.log 2>&1 &
BEACON_PID=$!
trap 'kill $BEACON_PID 2>/dev/null || true' EXIT
sleep 1
"$B/suijid" -d data add-beacon --id sfj-beacon --url "http://127.0.0.1:$PORT" --margin-ms 1000 \
	--note "连云港市司法局 beacon"

say "市场监督管理局 requests a draw: 1/3 of class A, 2 of class B, 1/2 of class C (R7), teams of two (R11)"
cat > objects.csv <<'CSV'
id,stratum
91320700MA1000001X,A
91320700MA1000002X,A
91320700MA1000003X,A
91320700MA1000004X,B
91320700MA1000005X,B
91320700MA1000006X,B
91320700MA1000007X,B
91320700MA1000008X,C
91320700MA1000009X,C
91320700MA100000AX,C
CSV
cat > officers.csv <<'CSV'
id,agency,tags
F001,scjg,food;drug
F002,scjg,food
F003,scjg,food
F004,scjg,drug;food
F005,scjg,food
F006,scjg,food
CSV
cat > spec.json <<'JSON'
{
  "request_id": "scjg-2026-q4-001", "agency": "scjg", "task": "scjg-2026-q4-food",
  "objects": "objects.csv", "officers": "officers.csv",
  "rounding": "ceil", "team_size": 2, "slot_size": 1, "deadline_hours": 24,
  "beacons": [{"source": "sfj-beacon", "round": "auto"}],
  "rules": [
    {"stratum": "A", "ratio": "1/3", "officer_tags": ["food"]},
    {"stratum": "B", "count": 2, "officer_tags": ["food"]},
    {"stratum": "C", "ratio": "1/2", "officer_tags": ["drug"]}
  ],
  "exclusions": [{"kind": "object", "id": "91320700MA1000005X", "reason": "annual-cap",
                  "note": "checked twice in 2026 (R9)"}],
  "conflicts": [{"kind": "officer", "object": "91320700MA1000001X", "person": "F002"}]
}
JSON
"$B/suijid" -d data draw request spec.json
DRAW=$("$B/suijid" -d data draw status | awk '/^draw /{print $2}' | tail -1)

say "The daemon waits for the named round, reveals its seed and writes the result"
"$B/suijid" -d data draw reveal "$DRAW" --wait
"$B/suijid" -d data checkpoint -o checkpoint.3 >/dev/null

say "Anyone re-derives the draw from the ledger (R6, R11)"
"$B/suiji-verify" --log-key log.vkey data/ledger.db
"$B/suiji-verify" draw data/ledger.db "$DRAW" --out draw-files

say "A business checks its own selection"
"$B/suiji-verify" check-entity data/ledger.db --id 91320700MA1000005X
"$B/suiji-verify" check-entity data/ledger.db --id 91320700MA1000002X

say "And recomputes the draw from the published files alone"
(cd draw-files && "$B/suiji-verify" derive --inputs inputs.bin --objects objects.bin \
	--officers officers.bin --experts experts.bin --seed "$(cat seed.hex)" \
	--entry-hash "$(cat entry-hash.hex)" --beacon "$(cat beacon-1.hex)" | head -4)

say "Someone with the database file swaps entries 2 and 3; the verifier names them (exit 1)"
cp data/ledger.db tampered.db
# As an insider could: drop the append-only trigger, then rewrite history.
sqlite3 tampered.db "DROP TRIGGER entries_no_update;
	UPDATE entries SET seq = 100 WHERE seq = 2;
	UPDATE entries SET seq = 2 WHERE seq = 3;
	UPDATE entries SET seq = 3 WHERE seq = 100;"
if "$B/suiji-verify" --log-key log.vkey tampered.db; then
	echo "demo: the tampered ledger verified: this is a bug" >&2
	exit 1
fi
echo "(exit 1, as it should be)"

say "Done. Everything the demo made is in $OUT/"
