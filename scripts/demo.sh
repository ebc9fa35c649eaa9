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
