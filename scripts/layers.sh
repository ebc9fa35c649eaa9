#!/bin/sh
# Checks the direction of every #include "folder/file.h" between folders
# (docs/architecture.md): each folder is a layer and may include only the
# folders its row below allows. Any other arrow fails, named with the file,
# the line and the arrow. Run from anywhere; make lint runs it.
#
# Usage: sh scripts/layers.sh [DIR]   (DIR: the source tree, default ..)
set -eu

cd "${1:-$(dirname "$0")/..}"

# One row per folder: the folder, a colon, the folders it may include; after
# the # why. "*" allows any folder. proto/ stands for the headers protoc-c
# generates from proto/*.proto (build/gen/proto). A folder with C files and
# no row fails, so a new folder is placed in the layers on purpose.
TABLE='
common:                                                  # the primitives everything stands on: depends on nothing
ledger:   common proto                                   # the log alone (entries, Merkle tree, notes, store): never what entries mean
draw:     common ledger                                  # the draw derivation: pure code over plain data
beacon:   common ledger                                  # beacon rounds and their signatures: pure code
dir:      common ledger                                  # directories and bulk import: pure code
results:  common ledger                                  # results, deadlines, publication: pure code
rules:    common ledger draw beacon dir results proto    # the replayed rules: what each entry may say, over the domain layers
wire:     common ledger draw beacon dir results rules proto  # what daemon and client share: channel, frames, request specs
daemon:   common ledger draw beacon dir results rules wire proto  # the service: everything but its peers client and verifier
client:   common ledger draw beacon dir results rules wire proto  # the client: everything but the daemon and the verifier
verifier: common ledger draw beacon dir results rules proto  # verify-only: never the daemon, the client or the wire they share
witness:  common ledger proto                             # suiji-witness, run by another body: the log checks and its own key, nothing of the service
tests:    *                                              # tests reach into every layer
fuzz:     *                                              # fuzz targets drive any decoder
bench:    *                                              # benchmarks time any layer
scripts:  *                                              # build-time tools and the sample city
'

files=$(find . -path ./build -prune -o -path ./.git -prune -o -path '*/node_modules' -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
[ -n "$files" ] || { echo "layers: no C sources under $(pwd)" >&2; exit 1; }

# shellcheck disable=SC2086 # the file list is split on purpose (no spaces in names)
awk -v table="$TABLE" '
BEGIN {
	n = split(table, rows, "\n")
	for (i = 1; i <= n; i++) {
		row = rows[i]
		sub(/#.*/, "", row)
		if (row !~ /:/)
			continue
		from = row; sub(/:.*/, "", from); gsub(/[ \t]/, "", from)
		to = row; sub(/^[^:]*:/, "", to)
		known[from] = 1
		m = split(to, t, /[ \t]+/)
		for (j = 1; j <= m; j++)
			if (t[j] != "")
				allow[from, t[j]] = 1
	}
	bad = 0
}
FNR == 1 {
	folder = FILENAME
	if (folder !~ /\//)
		folder = "."
	sub(/\/.*/, "", folder)
	if (!(folder in known)) {
		printf "%s: folder %s/ has no row in scripts/layers.sh\n", FILENAME, folder
		bad = 1
		nextfile
	}
}
/^[ \t]*#[ \t]*include[ \t]*"[^"\/]+\/[^"]*"/ {
	target = $0
	sub(/^[^"]*"/, "", target)
	sub(/\/.*/, "", target)
	if (target != folder && !allow[folder, "*"] && !allow[folder, target]) {
		inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		printf "%s:%d: %s -> %s is not allowed (#include \"%s\")\n", FILENAME, FNR,
		    folder, target, inc
		bad = 1
	}
}
END { exit bad }
' $files
