#!/usr/bin/env bash
# Installs the Debian 12 packages lanparty needs to build and test.
# Usage: tools/install-deps.sh [build|deb|test|all]   (default: all)
# Idempotent: only calls apt-get when something is missing.
set -euo pipefail

# libdbus-1-dev and libpolkit-gobject-1-dev for their .pc files only: they
# say where dbus-daemon and polkitd read our policy and actions (systemd.pc
# comes with the systemd package on Debian 12, systemd-dev on Debian 13).
# help2man makes the man pages from --help.
build_pkgs=(
        meson ninja-build pkg-config gcc clang libclang-rt-14-dev
        libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev
        libsystemd-dev libglib2.0-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
        libdbus-1-dev libpolkit-gobject-1-dev help2man
)
# tools/build-debs.sh: the Debian packages and their check.
deb_pkgs=(
        debhelper dpkg-dev lintian
)
test_pkgs=(
        valgrind dbus libxml2-utils systemd iproute2 dnsmasq-base isc-dhcp-client
        iputils-ping socat tcpdump procps util-linux openssl python3 polkitd ethtool nftables conntrack
        systemd-container man-db debootstrap iperf3
)

case "${1:-all}" in
        build) wanted=("${build_pkgs[@]}") ;;
        deb) wanted=("${build_pkgs[@]}" "${deb_pkgs[@]}") ;;
        test|all) wanted=("${build_pkgs[@]}" "${deb_pkgs[@]}" "${test_pkgs[@]}") ;;
        -h|--help)
                sed -n '2,4s/^# \{0,1\}//p' "$0"
                exit 0 ;;
        *) echo "install-deps.sh: unknown group '$1' (build, deb, test or all)" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps.sh: missing packages: ${missing[*]}" >&2
        echo "install-deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
        exit 1
fi
echo "==> installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
