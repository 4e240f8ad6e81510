#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The first run on a fresh machine, checked: a minimal Debian 12 root made
# with debootstrap, a clean clone of this commit in it, and the README's
# two commands run in it verbatim, as a newcomer would, one after the
# other.  Each command's exit status and time are reported; the run fails
# if one fails.  Too slow for CI (every package is downloaded and every
# kernel test runs): run it before changing the install path lands.
#
#   tools/fresh-machine.sh [--order ORDER]... [--keep]
#
#   --order   the commands to run in one fresh root, first to last
#             (repeatable, each order in a root of its own):
#               demo-check   make demo, then make check
#               check-demo   make check, then make demo
#               bench        make bench
#               install      make install, then a look for what it installed
#             both = demo-check and check-demo (the default);
#             all = both, bench and install
#   --keep    leave the roots in build/fresh/ (default: removed after a
#             passing run, kept after a failing one for a look)
#
# Needs root (debootstrap, chroot, mounts) and Debian's archive.  The
# clone is of HEAD: uncommitted changes are not in it.  Logs go to
# build/fresh/ORDER.log.  Orders given in one call run one after the
# other; separate calls with different orders may run side by side.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd -P)
out=$repo/build/fresh
orders=()
keep=no

usage() { sed -n '11,25p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

while (($#)); do
	case $1 in
	--order)
		case ${2:-} in
		demo-check | check-demo | bench | install) orders+=("$2") ;;
		both) orders+=(demo-check check-demo) ;;
		all) orders+=(demo-check check-demo bench install) ;;
		*) usage ;;
		esac
		shift 2 ;;
	--keep) keep=yes; shift ;;
	-h | --help) usage 0 ;;
	*) usage ;;
	esac
done
((${#orders[@]})) || orders=(demo-check check-demo)

say() { printf '== %s\n' "$*"; }
die() { printf 'fresh-machine: %s\n' "$*" >&2; exit 1; }

((EUID == 0)) || die "needs root (debootstrap, chroot, mounts)"
if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		die "cannot install debootstrap"
fi

# The README's two commands, verbatim: the first code block's lines,
# without their comments.
mapfile -t commands < <(awk '/^```/ { n++; next } n == 1 { sub(/[ \t]*#.*/, ""); if (length) print }' \
	"$repo/README.md")
((${#commands[@]} == 2)) || die "README.md's first code block does not hold two commands"
declare -A command_of=([demo]="${commands[0]}" [check]="${commands[1]}"
	[bench]="make bench" [install]="make install")
[[ ${command_of[demo]} == *demo* && ${command_of[check]} == *check* ]] ||
	die "README.md's commands are not 'make demo' and 'make check': ${commands[*]}"

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
commit=$(git -C "$repo" rev-parse HEAD) || die "not a git checkout"

mounted=()
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null
	done
	mounted=()
}
trap unmount_all EXIT

# make_root DIR: a minimal Debian 12 with the host's package sources,
# git to clone with, and the clone.
make_root() {
	local root=$1
	rm -rf --one-file-system "$root"
	mkdir -p "$root"
	say "debootstrap --variant=minbase bookworm $root ($mirror)"
	debootstrap --variant=minbase --include=git,ca-certificates,make \
		bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
		{ tail -20 "$root.debootstrap.log"; return 1; }
	# the same suites as the host (updates, security): the kernels come
	# from there
	if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
		cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
		: >"$root/etc/apt/sources.list"
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	say "clone of $commit into $root/root/wman"
	git clone -q --no-hardlinks "$repo" "$root/root/wman" &&
		git -C "$root/root/wman" checkout -q "$commit"
}

# enter ROOT: /proc, /sys and /dev as QEMU and the tests need them.
enter() {
	local root=$1 d
	for d in proc sys dev dev/pts; do
		mkdir -p "$root/$d"
		case $d in
		proc) mount -t proc proc "$root/proc" ;;
		sys) mount -t sysfs sys "$root/sys" ;;
		dev) mount --bind /dev "$root/dev" ;;
		dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
		esac || return 1
		mounted+=("$root/$d")
	done
}

# run_in ROOT NAME: the README's command NAME in the clone, timed.
declare -A status seconds
run_in() {
	local root=$1 name=$2 start
	say "in $root: cd wman && ${command_of[$name]}"
	start=$SECONDS
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/wman && ${command_of[$name]}"
	status[$3.$name]=$?
	seconds[$3.$name]=$((SECONDS - start))
	if [[ $name == install && ${status[$3.$name]} == 0 ]]; then
		installed "$root" || status[$3.$name]=install-incomplete
	fi
	say "${command_of[$name]}: exit ${status[$3.$name]} after ${seconds[$3.$name]} s"
}

# installed ROOT: make install put the programs on PATH, their manual
# pages in place and the module where modprobe finds it, for each kernel.
installed() {
	local root=$1
	chroot "$root" /bin/bash -c '
		set -e
		for p in wman pkmd pkmctl; do
			command -v "$p"
			test -f "/usr/local/share/man/man8/$p.8"
		done
		ls /usr/lib/*/ip/link_wman.so /usr/lib/ip/link_wman.so 2>/dev/null | grep .
		for kver in $(ls /lib/modules); do
			[ -d "/lib/modules/$kver/build" ] || continue
			modinfo -k "$kver" -F vermagic wman
		done' || { echo "fresh-machine: make install left something out" >&2; return 1; }
}

mkdir -p "$out"
failed=0
for order in "${orders[@]}"; do
	root=$out/$order
	IFS=- read -ra names <<<"$order"
	{
		if make_root "$root" && enter "$root"; then
			for name in "${names[@]}"; do
				run_in "$root" "$name" "$order"
			done
		else
			echo "fresh-machine: cannot make the root for $order" >&2
		fi
		unmount_all
	} 2>&1 | tee "$out/$order.log"
	# the statuses were set in the pipeline's subshell: read them back
	for name in "${names[@]}"; do
		line=$(grep -a "^== ${command_of[$name]}: exit " "$out/$order.log" | tail -1)
		if [[ $line =~ exit\ ([^ ]+)\ after\ ([0-9]+)\ s ]]; then
			status[$order.$name]=${BASH_REMATCH[1]}
			seconds[$order.$name]=${BASH_REMATCH[2]}
		else
			status[$order.$name]=none
		fi
		[[ ${status[$order.$name]} == 0 ]] || failed=1
	done
	if [[ $keep == no && $failed == 0 ]]; then
		rm -rf --one-file-system "$root"
	fi
done

echo
echo "fresh-machine: commit $commit"
for order in "${orders[@]}"; do
	IFS=- read -ra names <<<"$order"
	for name in "${names[@]}"; do
		printf '  %-11s %-10s exit %-4s %s s\n' "$order" "${command_of[$name]}" \
			"${status[$order.$name]}" "${seconds[$order.$name]:--}"
	done
done
exit "$failed"
