#!/bin/sh
# The whole cycle on embedded defaults, in demo-out/: a sample city (four
# agencies, 10,000 businesses, 100 officers), plans through legal review and
# filing, tasks, draws against a local beacon, results with their deadlines,
# two witnesses (separate suiji-witness processes over HTTP) cosigning
# checkpoints and refusing a fork of the log, and an auditor's verification ending with
# the compliance report by rule number. Rule numbers (R1-R19) are those of
# the policy digest the project's docs cite.
set -eu
B=$(cd "${1:-build}" && pwd)
ROOT=$(pwd)
OUT=demo-out
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
say() { printf '\n== %s\n' "$*"; }

say "The sample city: agencies, a key per role, directories (R1, R2, R12), calendars (R15), item lists (R3), plans through legal review, filing and publication (R4), tasks through legal review (R5, R14)"
sh "$ROOT/scripts/city.sh" "$B" .
"$B/suijid" -d data log-key > log.vkey
"$B/suijid" -d data status
echo "objects of scjg: $(($(wc -l < objects-scjg.csv) - 1)); officers: $(($(cat officers-*.csv | wc -l) - 3))"

say "Two witnesses run by other bodies, the justice bureau and a notary office: separate suiji-witness processes the log pushes each checkpoint to over HTTP (C2SP tlog-witness)"
ORIGIN=$("$B/suijid" -d data status | sed -n 's/^origin: //p')
WITNESS_PIDS=""
trap 'kill $WITNESS_PIDS 2>/dev/null || true' EXIT
start_witness() { # DIR NAME NOTE: prints its URL
	"$B/suiji-witness" init --dir "$1" --name "$2" > "$1.vkey"
	echo "log = $ORIGIN $(cat log.vkey)" >> "$1/witness.conf"
	"$B/suiji-witness" run --dir "$1" --listen 127.0.0.1:0 > "$1.out" 2> "$1.log" &
	WITNESS_PIDS="$WITNESS_PIDS $!"
	i=0
	until grep -q '^listening on ' "$1.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "demo: witness $1 did not start" >&2; exit 1; }
		sleep 0.1
	done
	"$B/suijid" -d data add-witness --key "$1.vkey" --note "$3" >/dev/null
	echo "witness = $(sed -n 's/^listening on //p' "$1.out") $(cat "$1.vkey")" >> data/suijid.conf
}
start_witness sfj-witness witness.sfj.example/w1 "连云港市司法局 witness"
start_witness notary-witness witness.notary.example/w1 "连云港市公证处 witness"
# The daemon reveals a draw only once both witnesses cosigned its commitment
# more than a second before its round was due (R18).
printf 'witness_quorum = 2\nwitness_margin_s = 1\n' >> data/suijid.conf
cat data/suijid.conf
"$B/suijid" -d data checkpoint -o checkpoint.1 >/dev/null

say "The justice bureau runs an independent beacon (suiji-beacon, one round a second)"
"$B/suiji-beacon" init --dir beacon --period 1
PORT=$((20000 + $$ % 20000))
"$B/suiji-beacon" run --dir beacon --listen "127.0.0.1:$PORT" >beacon.log 2>&1 &
BEACON_PID=$!
trap 'kill $BEACON_PID $WITNESS_PIDS 2>/dev/null || true' EXIT
sleep 1
# A margin of 3 s: a draw's round is due at least 3 s after its commitment,
# time for the witnesses to cosign the commitment while the round is unknown.
"$B/suijid" -d data add-beacon --id sfj-beacon --url "http://127.0.0.1:$PORT" --margin-ms 3000 \
	--note "连云港市司法局 beacon"

# A task draw: everything the policy fixes comes from the ledger; the
# operator chooses officer tags, slots and the beacon. Prints the request's
# entry number.
task_draw() { # AGENCY TASK REQUEST_ID EXTRA_JSON
	printf '{"request_id": "%s", "agency": "%s", "task": "%s", "slot_size": 5,
	  "deadline_hours": 24, "beacons": [{"source": "sfj-beacon", "round": "auto"}]%s}\n' \
		"$3" "$1" "$2" "$4" > "draw-$3.json"
	"$B/suijid" -d data draw task "draw-$3.json" > "draw-$3.out"
	seq=$(awk '/^draw request/{print $3}' "draw-$3.out")
	# The commitment is witnessed before its round is due (R18).
	"$B/suijid" -d data checkpoint -o /dev/null 2>> witness-push.log
	"$B/suijid" -d data draw reveal "$seq" --wait > /dev/null
	echo "$seq"
}
excluded() { # REQUEST_ID REASON
	grep -c "\"reason\":[[:space:]]*\"$2\"" "data/draws/$1/spec.json" || true
}

say "The provincial regulator (the city regulator's superior) checks its food shops twice"
JA=$(task_draw jsscjg js-2026-a js-2026-a-1 ', "officer_repeat_in_slot": true, "officer_tags": ["food"]')
JB=$(task_draw jsscjg js-2026-b js-2026-b-1 ', "officer_repeat_in_slot": true, "officer_tags": ["food"]')
echo "draws $JA and $JB: every object of jsscjg's directory drawn (ratio 1/1)"

# The log operator keeps a copy of the log, to commit the same draw again
# in it and keep whichever outcome he likes (fork and choose).
cp -a data data-fork

say "The city regulator draws its food task: pools, strata and exclusions come from the ledger"
FOOD=$(task_draw scjg scjg-2026-food scjg-2026-food-1 \
	', "officer_tags": ["food"], "strata": {"D": {"experts": 1, "expert_tags": ["lab"]}}')
echo "draw $FOOD: $(($(wc -l < data/draws/scjg-2026-food-1/objects.csv) - 1)) objects in the task's scope;" \
	"excluded: $(excluded scjg-2026-food-1 superior) checked twice by the superior agency (R9)," \
	"$(excluded scjg-2026-food-1 deregistered) deregistered (R6);" \
	"$(grep -c '"person"' data/draws/scjg-2026-food-1/spec.json) declared conflicts (R12)"
"$B/suiji-verify" draw data/ledger.db "$FOOD" --out draw-files | sed -n 1,12p

say "Fork and choose: the operator commits the same food draw in his copy of the log; both witnesses refuse it"
"$B/suijid" -d data-fork draw task draw-scjg-2026-food-1.json | head -1
if "$B/suijid" -d data-fork checkpoint -o /dev/null; then
	echo "demo: a witness cosigned a fork of the log: this is a bug" >&2
	exit 1
fi
echo "(exit 1: only the branch the witnesses saw first can be cosigned; the copy is worthless)"
rm -rf data-fork

say "A joint check with the environment bureau: one draw, each agency's officers (R14)"
JOINT=$(task_draw scjg scjg-hbj-2026-building scjg-hbj-2026-building-1 ', "officer_tags": ["law"]')
"$B/suiji-verify" draw data/ledger.db "$JOINT" | sed -n 1,9p

pick() { # DRAW N: the N-th drawn object
	"$B/suiji-verify" draw data/ledger.db "$1" | awk -v n="$2" '$1 == n "." {print $2}'
}
result() { # AGENCY OP LEGAL TASK OBJECT DATE END ITEM CATEGORY
	printf '{"agency": "%s", "task_agency": "scjg", "task": "%s", "object": "%s",
	  "check_date": "%s", "check_end": "%s", "items": ["%s"], "account": "现场检查",
	  "categories": ["%s"], "handling": "责令改正"}\n' "$1" "$4" "$5" "$6" "$7" "$8" "$9" > r.json
	"$B/suijid" -d data result enter r.json --key "$2.key" >/dev/null
	"$B/suijid" -d data result review r.json --key "$3.key" >/dev/null
	"$B/suijid" -d data result publish r.json --key "$2.key"
}

say "Results: entered by the agency that checked, reviewed, published (R15, R16)"
result scjg op legal scjg-2026-food "$(pick "$FOOD" 1)" 2026-11-16 2026-11-18 food-safety 发现问题经责令已改正
result scjg op legal scjg-2026-food "$(pick "$FOOD" 2)" 2026-11-19 2026-11-20 food-safety 未发现问题
echo "(and one that ended 2026-10-09, due 2026-11-05, published late:)"
result scjg op legal scjg-2026-food "$(pick "$FOOD" 3)" 2026-10-08 2026-10-09 disclosure 未发现问题
J1=$(pick "$JOINT" 1)
result scjg op legal scjg-hbj-2026-building "$J1" 2026-11-20 2026-11-20 building-materials 未发现问题
echo "joint check of $J1: public once the environment bureau has published too (R14)"
result hbj hbop hblegal scjg-hbj-2026-building "$J1" 2026-11-20 2026-11-20 building-materials 未发现问题

say "Another agency cannot enter a result for a check it did not make (谁检查、谁录入, R16)"
if "$B/suijid" -d data result enter r.json --agency hbj --task scjg-2026-food \
	--object "$(pick "$FOOD" 4)" --key hbop.key; then
	echo "demo: a result by an agency outside the task was stored: this is a bug" >&2
	exit 1
fi
echo "(refused, exit 1, as it should be)"

say "The justice bureau orders a re-check of one published result (复查, R19)"
"$B/suijid" -d data result recheck --agency scjg --task scjg-2026-food --object "$(pick "$FOOD" 2)" \
	--reason "抽查复核" --key sup.key
"$B/suijid" -d data results

say "A new checkpoint; each witness cosigns it after checking a consistency proof from the size it last cosigned"
"$B/suijid" -d data checkpoint -o checkpoint.2 >/dev/null

say "An auditor verifies everything: chain, signatures, every draw re-derived and witnessed before its round (R18), every rule"
mkdir -p public
"$B/suiji-verify" --log-key log.vkey --witness sfj-witness.vkey --witness notary-witness.vkey \
	--quorum 2 --witness-margin 1 --checkpoint checkpoint.1 --supervise --publish public \
	data/ledger.db

say "The public result records (R17): no phone, ID number or address"
cat public/results.csv

say "The public portal (一公开, docs/portal.md): a static site in demo-out/site"
"$B/suiji-verify" --log-key log.vkey -q --site site --assets "$ROOT/portal" data/ledger.db
echo "serve it with any web server, e.g. (cd demo-out/site && python3 -m http.server 8080),"
echo "then open http://127.0.0.1:8080/ and check a business's selection in the browser"

say "A business checks its own selection, and a shop the superior checked twice sees why it was left out"
"$B/suiji-verify" check-entity data/ledger.db --id "$(pick "$FOOD" 1)"
"$B/suiji-verify" check-entity data/ledger.db --id "$(sed -n 2p objects-jsscjg.csv | cut -d, -f1)" | tail -1

say "And recomputes the food draw from the published files alone"
(cd draw-files && "$B/suiji-verify" derive --inputs inputs.bin --objects objects.bin \
	--officers officers.bin --experts experts.bin --seed "$(cat seed.hex)" \
	--entry-hash "$(cat entry-hash.hex)" --beacon "$(cat beacon-1.hex)" | head -4)

say "The portable export verifies on its own, without SQLite"
"$B/suijid" -d data export -o ledger.export
"$B/suiji-verify" --log-key log.vkey -q ledger.export && echo "ok: the export verifies"

say "Someone with the database file swaps entries 2 and 3; the verifier names them (exit 1)"
cp data/ledger.db tampered.db
# As an insider could: drop the append-only trigger, then rewrite history.
sqlite3 tampered.db "DROP TRIGGER entries_no_update;
	UPDATE entries SET seq = 100 WHERE seq = 2;
	UPDATE entries SET seq = 2 WHERE seq = 3;
	UPDATE entries SET seq = 3 WHERE seq = 100;"
if "$B/suiji-verify" --log-key log.vkey -q tampered.db; then
	echo "demo: the tampered ledger verified: this is a bug" >&2
	exit 1
fi
echo "(exit 1, as it should be)"

say "Done. Everything the demo made is in $OUT/"
