# SPDX-License-Identifier: MIT
# Sourced, not run, by every script that starts a private dbus-daemon in
# place of the system bus: the daemons' tests (lib-test.sh), the wine
# tests, the e2e LAN party and both benchmarks. Only the configuration is
# shared; each script starts the daemon its own way (in a namespace, with
# its own logs and cleanup).

# bus_conf_write FILE ADDRESS [eavesdrop] [INCLUDE...]: writes to FILE a
# dbus-daemon configuration that listens on ADDRESS and lets anyone own any
# name and talk to anyone, so that only what each INCLUDE (one of our
# dbus/*.conf files, by absolute path) forbids is forbidden: dbus-daemon
# parses an INCLUDE for real, and a typo in it fails the start.
# "eavesdrop" lets `busctl monitor` see every message.
bus_conf_write() {
        local file=$1 address=$2 include allow='<allow send_destination="*"/>
    <allow receive_sender="*"/>'

        shift 2
        if [ "${1:-}" = eavesdrop ]; then
                allow='<allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>'
                shift
        fi
        {
                cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>$address</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    $allow
  </policy>
CONF
                for include in "$@"; do
                        printf '  <include>%s</include>\n' "$include"
                done
                echo '</busconfig>'
        } >"$file"
}
