#!/bin/sh
# Install everything the build, the demo, the tests and the benchmarks need,
# from Debian's archive only.  Safe to run again; it skips what is present.
#
#   tools/install-deps.sh           build, demo, tests and benchmarks
#   tools/install-deps.sh --build   only what `make` and `make install` need
#   tools/install-deps.sh --debug-kernel
#                                   only what tools/debug-kernel/build needs
#                                   (make check starts that build with these
#                                   and installs the rest while it runs)
set -eu

kernels="linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64"
build="build-essential pkg-config kmod cpio busybox-static sparse clang libclang-rt-14-dev libnl-3-dev libnl-genl-3-dev libssl-dev libsqlite3-dev libpq-dev libinih-dev libjansson-dev libpcap-dev linux-source-6.12 xz-utils"
run="qemu-system-x86 iproute2 procps iputils-ping iperf3 ethtool jq gnuplot-nox openssl zstd socat sqlite3 postgresql tcpdump tshark wireguard-tools bsdextrautils flex bison bc libelf-dev"

case ${1:-} in
--build) run="" ;;
--debug-kernel)
	kernels=""
	build="build-essential flex bison bc libelf-dev libssl-dev kmod linux-source-6.12 xz-utils"
	run=""
	;;
"") ;;
*) echo "usage: tools/install-deps.sh [--build | --debug-kernel]" >&2; exit 2 ;;
esac

missing=""
for pkg in $kernels $build $run; do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "== installing from Debian's archive (minutes the first time):$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture: no
# (the tests capture as root), answered before it can ask.
case " $missing " in
*" tshark "*)
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	;;
esac
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends $missing
