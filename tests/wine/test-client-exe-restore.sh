#!/bin/bash
# SPDX-License-Identifier: MIT
# client.exe --restore under wine, the mode the uninstaller runs: it
# reads every instance's state files (routes-INSTANCE.state, .interfaces,
# .lock) in the state directory, undoes what they record, removes what
# holds nothing more to undo, leaves other files alone, and never makes
# the directory. In the default directory, %ProgramData%\lanparty, it
# acts on nothing somebody else made (win-acl.h).
#
# Wine 8 lacks the IP Helper calls that undo a recorded route or
# interface setting (DeleteIpForwardEntry2, GetIpInterfaceEntry): a
# record client.exe tried to undo would crash it. So the records here are
# damaged ones (read, judged unreadable, removed) or planted ones that
# must not be acted on: no crash is part of the proof.
#
# Usage: test-client-exe-restore.sh LANPARTY-WINE CLIENT.EXE
set -euo pipefail

wrapper=$(realpath "$1")
client=$(realpath "$2")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"

wine_wrapper_init

route='route 4 cb007107/32 c6336401 4000000000 0 0'

# restore_default PROGRAMDATA EXPECTED-STATUS: client.exe --restore with
# %ProgramData% there (wine sets it from the registry, so through cmd).
restore_default() {
        local rc=0
        timeout 60 "$wrapper" cmd /c "set ProgramData=$(winpath "$1")&& $(winpath "$client") --restore" \
                >"$tmp/run.out" 2>"$tmp/run.err" </dev/null || rc=$?
        [ "$rc" = "$2" ] || fail "client.exe --restore (ProgramData $1) exited with $rc, expected $2"
}

say "--help names it"
run 0 --help
says "--restore"
run 2 --restore 'lanparty://192.0.2.1:4433/party?k=x'
says "--restore takes no invite link"

say "no state directory: nothing to do, and none made"
run 0 --restore --state-dir "$(winpath "$tmp/none")"
says "Nothing to undo: "
[ ! -e "$tmp/none" ] || fail "--restore made $tmp/none"

say "every instance's files are read; what holds nothing more goes, the rest stays"
mkdir "$tmp/state"
printf 'lanparty-client-routes 1\nroute 4 nonsense\n' >"$tmp/state/routes-a.state"
printf 'lanparty-client-interfaces 9\n' >"$tmp/state/routes-b.interfaces"
: >"$tmp/state/routes-c.lock"
echo cut >"$tmp/state/routes-c.state.tmp"
echo keep >"$tmp/state/notes.txt"
echo keep >"$tmp/state/routes-bad name.state"
mkdir "$tmp/state/routes-d.state"
run 0 --restore --state-dir "$(winpath "$tmp/state")"
says "a: done, nothing recorded is left."
says "b: done, nothing recorded is left."
says "c: nothing was recorded."
says "The routes state file is unreadable"
says "The interface settings state file is unreadable"
for f in routes-a.state routes-a.lock routes-b.interfaces routes-b.lock routes-c.lock routes-c.state.tmp; do
        [ ! -e "$tmp/state/$f" ] || fail "$f left behind"
done
for f in notes.txt "routes-bad name.state" routes-d.state; do
        [ -e "$tmp/state/$f" ] || fail "--restore removed $f, which is not lanparty's"
done
run 0 --restore --state-dir "$(winpath "$tmp/state")"
says "Nothing to undo in "

say "the default directory, made by somebody else: nothing undone, nothing touched"
mkdir -p "$tmp/planted/lanparty"
printf 'lanparty-client-routes 1\n%s\n' "$route" >"$tmp/planted/lanparty/routes-planted.state"
restore_default "$tmp/planted" 1
says "lanparty is owned by "
says "not by SYSTEM or the Administrators"
says "Not undoing anything from "
[ -e "$tmp/planted/lanparty/routes-planted.state" ] || fail "the planted state file was removed"

say "the default directory as a link to somewhere else: refused"
mkdir -p "$tmp/linked" "$tmp/elsewhere"
printf 'lanparty-client-routes 1\n%s\n' "$route" >"$tmp/elsewhere/routes-planted.state"
ln -s "$tmp/elsewhere" "$tmp/linked/lanparty"
restore_default "$tmp/linked" 1
says "leads somewhere else"
[ -e "$tmp/elsewhere/routes-planted.state" ] || fail "the state file behind the link was removed"

say "no default directory: nothing to do, and none made"
restore_default "$tmp/empty" 0
says "Nothing to undo: "
[ ! -e "$tmp/empty" ] || fail "--restore made $tmp/empty"

echo "PASS: client.exe --restore reads and clears state, and refuses what it must not trust"
