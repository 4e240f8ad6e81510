#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Extract the kernel's kselftest framework files (lib.mk, kselftest.h,
# kselftest_harness.h and kselftest/{ktap_helpers.sh,runner.sh,prefix.pl,
# module.sh}) from Debian's linux-source tarball into OUTDIR (default
# build/kselftest at the top of the repository).  They are build inputs,
# never committed.  A second run with the files present does nothing.
#
#   fetch-kselftest-lib.sh [OUTDIR]
#   KSFT_SOURCE=/usr/src/linux-source-6.12.tar.xz fetch-kselftest-lib.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../build/kselftest}
files="lib.mk kselftest.h kselftest_harness.h kselftest/ktap_helpers.sh
kselftest/runner.sh kselftest/prefix.pl kselftest/module.sh"

missing=""
for f in $files; do
	[ -e "$out/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && exit 0

src=${KSFT_SOURCE:-}
if [ -z "$src" ]; then
	# Prefer 6.12 (the version the brief names), else the newest present.
	for t in /usr/src/linux-source-6.12.tar.xz /usr/src/linux-source-*.tar.xz; do
		[ -r "$t" ] && { src=$t; break; }
	done
fi
if [ -z "$src" ] || [ ! -r "$src" ]; then
	echo "fetch-kselftest-lib.sh: no /usr/src/linux-source-*.tar.xz;" \
	     "install Debian's linux-source-6.12 (tools/install-deps.sh)" >&2
	exit 1
fi

top=$(basename "$src" .tar.xz)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
members=""
for f in $files; do
	members="$members $top/tools/testing/selftests/$f"
done
# shellcheck disable=SC2086 # word splitting of the member list is wanted
tar -xJf "$src" -C "$tmp" $members

mkdir -p "$out/kselftest"
for f in $files; do
	cp "$tmp/$top/tools/testing/selftests/$f" "$out/$f"
done
chmod +x "$out/kselftest/runner.sh" "$out/kselftest/prefix.pl" \
	 "$out/kselftest/module.sh"
echo "$src" > "$out/SOURCE"
