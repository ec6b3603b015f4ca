#!/bin/sh
# dhclient -sf hook: does with a lease what Debian's /sbin/dhclient-script
# and its rfc3442-classless-routes exit hook do (address, default routes
# from `routers` or, when the server sent them, classless static routes
# instead, RFC 3442 section 3; the resolver from the DNS servers, domain
# and search list), so a test sees what a real player's PC would do with
# the party's options. Two differences, both deliberate: the resolver is
# written to $RESOLV_CONF (passed with dhclient -e) and to nothing when it
# is unset, so an end-to-end test never rewrites the host's
# /etc/resolv.conf; and the interface MTU is left alone (the TAP's is the
# room's).

make_resolv_conf() {
        [ -n "${RESOLV_CONF:-}" ] || return 0
        [ -n "${new_domain_search:-}${new_domain_name:-}${new_domain_name_servers:-}" ] || return 0
        new="$RESOLV_CONF.dhclient-new"
        : >"$new"
        [ -n "${new_domain_name:-}" ] && echo "domain ${new_domain_name%% *}" >>"$new"
        if [ -n "${new_domain_search:-}" ]; then
                echo "search $new_domain_search" >>"$new"
        elif [ -n "${new_domain_name:-}" ]; then
                echo "search $new_domain_name" >>"$new"
        fi
        if [ -n "${new_domain_name_servers:-}" ]; then
                for ns in $new_domain_name_servers; do
                        echo "nameserver $ns" >>"$new"
                done
        elif [ -f "$RESOLV_CONF" ]; then
                grep -i '^[[:space:]]*nameserver' "$RESOLV_CONF" >>"$new"
        fi
        cat "$new" >"$RESOLV_CONF"
        rm -f "$new"
}

# "24 192 168 10 192 168 1 1 0 192 168 1 1": width, significant octets of
# the destination, router (RFC 3442 section 2).
set_classless_routes() {
        set -- $new_rfc3442_classless_static_routes
        while [ $# -gt 0 ]; do
                width=$1
                shift
                octets=$(((width + 7) / 8))
                [ "$width" -le 32 ] && [ $# -ge $((octets + 4)) ] || return 0
                net= i=0
                while [ $i -lt 4 ]; do
                        if [ $i -lt $octets ]; then o=$1; shift; else o=0; fi
                        net="$net${net:+.}$o"
                        i=$((i + 1))
                done
                gateway="$1.$2.$3.$4"
                shift 4
                if [ "$gateway" = 0.0.0.0 ]; then via=; else via="via $gateway"; fi
                ip -4 route add "$net/$width" $via dev "$interface" >/dev/null 2>&1
        done
}

case "$reason" in
        BOUND|RENEW|REBIND|REBOOT)
                [ -n "${old_ip_address:-}" ] && [ "$old_ip_address" != "$new_ip_address" ] &&
                        ip -4 addr flush dev "$interface"
                ip link set dev "$interface" up
                ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" \
                        broadcast "${new_broadcast_address:-+}" dev "$interface"
                if [ "$reason" = BOUND ] || [ "$reason" = REBOOT ]; then
                        if [ -n "${new_rfc3442_classless_static_routes:-}" ]; then
                                set_classless_routes
                        else
                                for router in ${new_routers:-}; do
                                        ip -4 route add default via "$router" dev "$interface" \
                                                ${IF_METRIC:+metric $IF_METRIC} >/dev/null 2>&1
                                done
                        fi
                fi
                make_resolv_conf
                ;;
        EXPIRE|FAIL|RELEASE|STOP)
                [ -n "${old_ip_address:-}" ] && ip -4 addr flush dev "$interface"
                ;;
esac
exit 0
