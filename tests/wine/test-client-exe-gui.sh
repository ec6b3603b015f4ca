#!/bin/bash
# SPDX-License-Identifier: MIT
# client.exe's window under wine on a private Xvfb: started the way the
# lanparty:// URL handler starts it (the invite as the only argument, plus
# --frame-device null), it must join lanparty-relayd (relay-test-peer is
# the gateway), paint its lights, pass a press of Check to its loop, and
# leave the room cleanly when the Leave button is pressed (xdotool sends
# the key presses through X).
# The screenshot is kept as SCREENSHOT (a test artifact) and checked: not
# blank, showing the relay and gateway lights in green, and client.exe's
# own icon in the tray (wine, with no tray of the window manager's, shows
# its own in the corner of the screen). The tray icon must come back when
# Explorer restarts: TASKBAR-RESTART.EXE (tests/wine/taskbar-restart.c)
# removes it as a dying Explorer would and broadcasts TaskbarCreated as
# a new one does.
#
# Usage: test-client-exe-gui.sh LANPARTY-WINE CLIENT.EXE SCREENSHOT.png TASKBAR-RESTART.EXE
# Needs $LANPARTY_NATIVE_BUILD (a native build directory); skips (77) without.
set -euo pipefail

wrapper=$(realpath "$1")
client=$(realpath "$2")
shot=$(realpath -m "$3")
taskbar_restart=$(realpath "$4")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"
native_build

command -v import >/dev/null && command -v convert >/dev/null || skip "ImageMagick is not installed"
command -v xdotool >/dev/null || skip "xdotool is not installed"
wine_setup_x11
relay_setup
relayd_start

say "the party's gateway opens the room"
peer gw --role gateway --mac 00:11:22:33:44:01 --token tok-0123456789abcdef --name party-gw
expect gw "welcome 1 "

say "client.exe opens its window and joins"
wine_bg client "$client" -v --frame-device null --name guiplayer --state-dir "$(winpath "$tmp/state-win")" "$invite"
client_pid=$WINE_PID
expect gw "client" 60
grep -q "joined 2 client .* guiplayer" "$tmp/gw.out" || fail "the gateway did not see guiplayer join"

# The worker posts the lights at the next tick; give the window a moment.
green=0
for i in $(seq 1 30); do
        sleep 0.5
        import -display "$DISPLAY" -window root "$tmp/shot.png" 2>>"$tmp/import.err" || continue
        # The relay and gateway lights use RGB(34,177,76) (gui-win.c).
        green=$(convert "$tmp/shot.png" -fill black +opaque "rgb(34,177,76)" -fill white -opaque "rgb(34,177,76)" \
                -format '%[fx:int(mean*w*h+0.5)]' info:)
        [ "$green" -ge 40 ] && break
done
mkdir -p "$(dirname "$shot")"
cp "$tmp/shot.png" "$shot"
echo "screenshot: $shot"
colors=$(identify -format '%k' "$shot")
echo "distinct colours: $colors, green light pixels: $green"
[ "$colors" -ge 16 ] || fail "the screenshot looks blank ($colors colours)"
[ "$green" -ge 40 ] || fail "no green status light in the screenshot"
# The tile of client-icon.mvg, #1f5fae, flat also at 16x16.
icon_pixels() {
        convert "$1" -fill black +opaque "rgb(31,95,174)" -fill white -opaque "rgb(31,95,174)" \
                -format '%[fx:int(mean*w*h+0.5)]' info:
}
icon=$(icon_pixels "$shot")
echo "icon pixels: $icon"
[ "$icon" -ge 5 ] || fail "client.exe's icon is not in the tray"

say "the tray icon comes back after Explorer restarts"
icon_shown() {
        import -display "$DISPLAY" -window root "$tmp/tray.png" 2>>"$tmp/import.err" &&
                [ "$(icon_pixels "$tmp/tray.png")" -ge 5 ]
}
restart() { timeout 30 wine "$taskbar_restart" "lanparty - party" "$@" </dev/null >>"$tmp/restart.out" 2>&1; }
restart --remove-only || fail "taskbar-restart.exe --remove-only failed"
wait_for 10 eval '! icon_shown' || fail "the tray icon did not go away"
restart || fail "taskbar-restart.exe failed"
wait_for 10 icon_shown || fail "the tray icon did not come back after TaskbarCreated"
grep -q "The taskbar was created anew (Explorer restarted?): added the tray icon again." "$tmp/client.err" ||
        fail "client.exe did not log re-adding the tray icon"

win=$(xdotool search --sync --onlyvisible --name "lanparty - party" | head -1)
[ -n "$win" ] || fail "cannot find the window on the display"

say "pressing Check asks the loop for the party check"
# Alt+C, the button's mnemonic. With --frame-device null there is no TAP
# to check: the loop gets the request and says so in the window.
xdotool windowfocus --sync "$win" key --window "$win" alt+c
wait_for 10 grep -q "Party check asked for (the window's Check button)." "$tmp/client.err" ||
        fail "the Check button did not reach client.exe's loop"

say "pressing Leave leaves the room"
# Alt+L presses Leave, as a player's keyboard would. (wine's taskkill
# does not deliver WM_CLOSE here.)
xdotool windowfocus --sync "$win" key --window "$win" alt+l
expect gw "left 2 client" 20
grep -q "left 2 client .* quit" "$tmp/gw.out" || fail "the gateway saw the player leave for another reason: $(grep left "$tmp/gw.out")"
rc=0
timeout 30 tail --pid="$client_pid" -f /dev/null || fail "client.exe did not exit after leaving"
wait "$client_pid" || rc=$?
[ "$rc" = 0 ] || fail "client.exe exited with $rc after leaving"

echo "PASS: client.exe's window joined, showed green lights and left cleanly"
