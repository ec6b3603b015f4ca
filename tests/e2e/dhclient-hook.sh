#!/bin/sh
# dhclient -sf hook: applies a lease to the interface and nothing else, so an
# end-to-end test never rewrites the host's /etc/resolv.conf.
case "$reason" in
        BOUND|RENEW|REBIND|REBOOT)
                [ -n "${old_ip_address:-}" ] && [ "$old_ip_address" != "$new_ip_address" ] &&
                        ip -4 addr flush dev "$interface"
                ip link set dev "$interface" up
                ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" \
                        broadcast "${new_broadcast_address:-+}" dev "$interface"
                ;;
        EXPIRE|FAIL|RELEASE|STOP)
                [ -n "${old_ip_address:-}" ] && ip -4 addr flush dev "$interface"
                ;;
esac
exit 0
