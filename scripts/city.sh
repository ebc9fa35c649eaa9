#!/bin/sh
# city.sh BIN DIR [OBJECTS]: the sample city of the demo and the policy tests,
# up to the point where draws can be made, in DIR/data:
#  - agencies: the justice bureau (sfj), the provincial market regulator
#    (jsscjg), the city market regulator (scjg, whose superior it is: R9),
#    the environment bureau (hbj);
#  - a client key per role in DIR/*.key (operators, legal reviewers, the
#    justice bureau's supervisor and an auditor);
#  - directories: OBJECTS businesses (default 10,000), 100 officers,
#    10 experts, 12 declared conflicts (R1, R2, R12), from suiji-democity,
#    and the justice bureau's 4 officers for its re-check draws (R19);
#  - the official working-day calendars of 2025 and 2026 (R15);
#  - item lists, annual plans through legal review, filing and publication
#    (R3, R4), and tasks, each through legal review: two of the provincial
#    regulator's, the city regulator's own and a joint one with the
#    environment bureau (R5, R14);
#  - a beacon source of public values drawn in public ("pub", RFC 3797),
#    and the notary office (notary.key) registered as the independent party
#    whose signed values a draw may use (R6).
set -eu
B=$1
DIR=$2
N=${3:-10000}
HERE=$(cd "$(dirname "$0")" && pwd)
CAL=$HERE/../results/calendar
mkdir -p "$DIR"
cd "$DIR"
q() { "$@" >/dev/null; }

"$B/suiji-democity" . "$N"
q "$B/suijid" -d data init --origin suiji.example/lianyungang-2026 \
	--description "连云港市 双随机、一公开 ledger (sample city)"
q "$B/suijid" -d data add-agency --code sfj --name 连云港市司法局
q "$B/suijid" -d data add-agency --code jsscjg --name 江苏省市场监督管理局
q "$B/suijid" -d data add-agency --code scjg --name 连云港市市场监督管理局 --parent jsscjg
q "$B/suijid" -d data add-agency --code hbj --name 连云港市生态环境局
for k in op:scjg:operator legal:scjg:legal sup:sfj:supervisor hbop:hbj:operator \
	hblegal:hbj:legal jsop:jsscjg:operator jslegal:jsscjg:legal audit:sfj:auditor; do
	n=${k%%:*}
	r=${k#*:}
	"$B/suiji" keygen -k "$n.key" --name "$n@${r%%:*}" >"$n.vkey"
	q "$B/suijid" -d data add-client --key "$n.vkey" --agency "${r%%:*}" --role "${r#*:}"
done
q "$B/suijid" -d data import objects objects-scjg.csv --agency scjg
q "$B/suijid" -d data import objects objects-jsscjg.csv --agency jsscjg
for a in scjg hbj jsscjg; do
	q "$B/suijid" -d data import officers "officers-$a.csv" --agency "$a"
done
# The justice bureau's own officers, who make its re-check draws (R19).
printf '%s\n' 执法证号,姓名,所属部门,执法资质,业务专长,状态 \
	SF0001,复查人员SF1,sfj,law,review,在职 SF0002,复查人员SF2,sfj,law,review,在职 \
	SF0003,复查人员SF3,sfj,law,review,在职 SF0004,复查人员SF4,sfj,law,review,在职 \
	>officers-sfj.csv
q "$B/suijid" -d data import officers officers-sfj.csv --agency sfj
q "$B/suijid" -d data import experts experts-scjg.csv --agency scjg
q "$B/suijid" -d data import conflicts conflicts-scjg.csv --agency scjg
q "$B/suijid" -d data calendar add "$CAL/cn-2025.txt" "$CAL/cn-2026.txt"
q "$B/suijid" -d data items publish "$HERE/city/items-scjg.json" --agency scjg --key op.key
q "$B/suijid" -d data items publish "$HERE/city/items-jsscjg.json" --agency jsscjg --key jsop.key
q "$B/suijid" -d data items publish "$HERE/city/items-hbj.json" --agency hbj --key hbop.key
for p in scjg:scjg-2026:op:legal jsscjg:js-2026:jsop:jslegal; do
	a=${p%%:*}
	r=${p#*:}
	id=${r%%:*}
	r=${r#*:}
	q "$B/suijid" -d data plan submit "$HERE/city/plan-$a.json" --key "${r%%:*}.key"
	q "$B/suijid" -d data plan review "$a" "$id" 1 --approve --key "${r#*:}.key"
	q "$B/suijid" -d data plan file "$a" "$id" 1 --key sup.key
	q "$B/suijid" -d data plan publish "$a" "$id" 1 --key "${r%%:*}.key"
done
q "$B/suijid" -d data task create "$HERE/city/task-js-a.json" --key jsop.key
q "$B/suijid" -d data task create "$HERE/city/task-js-b.json" --key jsop.key
q "$B/suijid" -d data task create "$HERE/city/task-scjg-food.json" --key op.key
q "$B/suijid" -d data task create "$HERE/city/task-joint.json" --key op.key
# Each task passes its agency's legal review before any draw (R5). The
# provincial tasks select the few food sellers of the provincial directory:
# a narrow scope, approved explicitly with the reason (R6).
q "$B/suijid" -d data task review jsscjg js-2026-a --approve \
	--narrow-scope "省局专项：名录库中本市食品销售者全部纳入" --key jslegal.key
q "$B/suijid" -d data task review jsscjg js-2026-b --approve \
	--narrow-scope "省局专项：名录库中本市食品销售者全部纳入" --key jslegal.key
q "$B/suijid" -d data task review scjg scjg-2026-food --approve --key legal.key
q "$B/suijid" -d data task review scjg scjg-hbj-2026-building --approve --key legal.key
q "$B/suijid" -d data add-beacon --id pub --manual --margin-ms 0 \
	--note "public values drawn in public (RFC 3797)"
"$B/suiji" keygen -k notary.key --name notary@lyg >notary.vkey
q "$B/suijid" -d data add-signer --key notary.vkey --name 连云港市公证处 \
	--note "signs the public values drawn in public"
