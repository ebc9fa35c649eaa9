#!/bin/sh
# Installs the Debian packages suiji needs to build and test, when any is
# missing. Runs as root on Debian 12 (apt-get update first, as a fresh
# machine has no package lists). Quiet and quick when all are present.
set -eu

PKGS="make gcc pkg-config libsodium-dev libuv1-dev libprotobuf-c-dev protobuf-c-compiler libsqlite3-dev libcjson-dev sqlite3 cppcheck valgrind"
# suiji-witness serves HTTP with h2o's libuv build (libh2o-dev, which needs
# OpenSSL's headers); suijid pushes checkpoints to witnesses with libcurl
# (HTTP and HTTPS). The verifier links neither.
PKGS="$PKGS libh2o-dev libssl-dev libcurl4-openssl-dev"
[ "${1:-}" = "--fuzz" ] && PKGS="$PKGS clang libclang-rt-14-dev"
# make js-test runs the portal's JavaScript under node; Debian 12's nodejs
# is v18, which those tests keep to. A node installed otherwise will do.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
# make browser-test drives the portal in Debian's chromium, headless, with a
# CJK font for its screenshots, and playwright-core from tests/browser's
# lock file (npm ci, below); Debian's nodejs comes without npm.
if [ "${1:-}" = "--browser" ]; then
	PKGS="$PKGS chromium fonts-wqy-zenhei"
	command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

BROWSER_DIR="$(dirname "$0")/../tests/browser"
if [ "${1:-}" = "--browser" ] && [ ! -d "$BROWSER_DIR/node_modules" ]; then
	echo "deps: npm ci in tests/browser" >&2
	(cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
