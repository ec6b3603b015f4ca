; SPDX-License-Identifier: MIT
; The lanparty installer for 64-bit Windows 10/11, built with makensis on
; Linux by tools/build-windows.sh:
;
;   makensis -WX -DVERSION=0.1.0 -DCLIENT_EXE=/path/client.exe \
;            -DSERVICE_EXE=/path/lanparty-service.exe -DICON=/path/client.ico \
;            -DOUTFILE=/path/lanparty-setup-0.1.0.exe installer/lanparty.nsi
;
; Installs client.exe and lanparty-service.exe into Program Files\lanparty
; with a Start-menu shortcut and an uninstaller (listed in Add/Remove
; Programs), installs and starts the lanparty service (LocalSystem,
; automatic start; see ServiceInstall), registers
; the lanparty:// URL scheme and the .lanparty file type so a click on an
; invite opens client.exe, lets client.exe through Windows Firewall, and
; makes sure a TAP-Windows6 adapter (driver tap0901) exists: an installer for it placed beside this setup program
; (tap-windows-*.exe, run with /S) is used, otherwise the player is told
; where to get it.

; A 64-bit installer, like client.exe: it sees the 64-bit registry and
; Program Files as they are (no WOW64 redirection to undo), and Windows
; itself refuses to start it on 32-bit Windows. It is also what wine64
; runs, so tests/wine/test-installer.sh runs it without 32-bit wine.
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestSupportedOS Win10

!ifndef VERSION
  !error "define VERSION (-DVERSION=x.y.z)"
!endif
!ifndef CLIENT_EXE
  !error "define CLIENT_EXE (-DCLIENT_EXE=path/to/client.exe)"
!endif
!ifndef SERVICE_EXE
  !error "define SERVICE_EXE (-DSERVICE_EXE=path/to/lanparty-service.exe)"
!endif
!ifndef OUTFILE
  !define OUTFILE "lanparty-setup-${VERSION}.exe"
!endif

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define PRODUCT "lanparty"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\lanparty"
!define NET_CLASS_KEY "SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}"
!define TAP_SERVICE_KEY "SYSTEM\CurrentControlSet\Services\tap0901"
!define TAP_DOWNLOAD "https://openvpn.net/community-downloads/"
!define TAP_DOWNLOAD_GITHUB "https://github.com/OpenVPN/tap-windows6/releases"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\lanparty"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT License"

; client.exe's icon (made at build time, see src/client/meson.build) for
; the installer and the uninstaller too.
!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_TEXT "lanparty is installed. Open an invite link (lanparty://...) or a .lanparty file to join a party, or start lanparty from the Start menu and paste a link."

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var TapAdapter
Var TapDriver

; The inbound Windows Firewall rule for client.exe (see FirewallAllow).
!define FIREWALL_RULE "lanparty"
; netsh of the system itself: this installer is 64-bit, so $SYSDIR is
; System32, not SysWOW64.
!define NETSH '"$SYSDIR\netsh.exe" advfirewall firewall'

; A silent install (setup.exe /S) shows no message box; what it would have
; said also goes to the standard output, when the installer has one
; (setup.exe /S >setup.log), so scripts and tests can read it.
!macro WRITE_STDOUT_FUNCTION PREFIX
Function ${PREFIX}WriteStdout
  Exch $0
  Push $1
  Push $2
  System::Call 'kernel32::GetStdHandle(i -11) p .r1'
  ${If} $1 != 0
  ${AndIf} $1 != -1
    StrCpy $0 "$0$\r$\n"
    ; As bytes of the ANSI code page: count them after the conversion.
    System::Call 'kernel32::lstrlenA(m r0) i .r2'
    System::Call 'kernel32::WriteFile(p r1, m r0, i r2, *i 0, p 0)'
  ${EndIf}
  Pop $2
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro WRITE_STDOUT_FUNCTION ""
!insertmacro WRITE_STDOUT_FUNCTION "un."

; Tell FLAGS TEXT: a message box, or in a silent install a line on the
; standard output. Note TEXT: a line in the details, and the same.
!macro TELL PREFIX FLAGS TEXT
  MessageBox ${FLAGS} "${TEXT}" /SD IDOK
  ${If} ${Silent}
    Push "${TEXT}"
    Call ${PREFIX}WriteStdout
  ${EndIf}
!macroend
!define Tell `!insertmacro TELL ""`
!define UnTell `!insertmacro TELL "un."`
!macro NOTE PREFIX TEXT
  DetailPrint "${TEXT}"
  ${If} ${Silent}
    Push "${TEXT}"
    Call ${PREFIX}WriteStdout
  ${EndIf}
!macroend
!define Note `!insertmacro NOTE ""`
!define UnNote `!insertmacro NOTE "un."`

; Looks for a TAP-Windows6 adapter the way OpenVPN does (src/openvpn/tun.c,
; get_tap_reg): a subkey of the network class key with a NetCfgInstanceId
; (the adapter's GUID) whose ComponentId is tap0901 or root\tap0901, in
; any case. tap-windows6's own installers create root\tap0901 devices
; (msm/installation.c). $TapAdapter is 1 when there is one; $TapDriver is
; 1 when the driver's service exists, which tells "the driver is missing"
; from "the driver is there but has no adapter" (deleted in Device
; Manager, or by another VPN's uninstaller).
Function DetectTap
  Push $0
  Push $1
  Push $2
  Push $3
  StrCpy $TapAdapter 0
  StrCpy $TapDriver 0
  ClearErrors
  ReadRegStr $0 HKLM "${TAP_SERVICE_KEY}" "ImagePath"
  ${IfNot} ${Errors}
    StrCpy $TapDriver 1
  ${EndIf}
  StrCpy $1 0
  ${Do}
    ClearErrors
    EnumRegKey $0 HKLM "${NET_CLASS_KEY}" $1
    ${If} ${Errors}
    ${OrIf} $0 == ""
      ${ExitDo}
    ${EndIf}
    IntOp $1 $1 + 1
    ; LogicLib's == is StrCmp, which ignores case.
    ClearErrors
    ReadRegStr $2 HKLM "${NET_CLASS_KEY}\$0" "ComponentId"
    ${If} ${Errors}
    ${OrIfNot} $2 == "tap0901"
    ${AndIfNot} $2 == "root\tap0901"
      ${Continue}
    ${EndIf}
    ClearErrors
    ReadRegStr $3 HKLM "${NET_CLASS_KEY}\$0" "NetCfgInstanceId"
    ${IfNot} ${Errors}
    ${AndIf} $3 != ""
      StrCpy $TapAdapter 1
      StrCpy $TapDriver 1
      ${ExitDo}
    ${EndIf}
  ${Loop}
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

; Windows Firewall drops what arrives for a program it has no inbound
; rule for, and asks the player about it the first time the program
; listens (a prompt that is easy to dismiss, and whose default allows
; Private networks only). client.exe's party check listens for the
; gateway's broadcast on a UDP socket, as games do (step 2), and the party
; network may be Public: one rule allows client.exe in on every profile,
; as Microsoft's "Netsh AdvFirewall Firewall Commands" describe add rule.
; netsh adds a second rule of the same name rather than replace the first:
; a reinstall deletes ours first, by its name alone, so one left by an
; install elsewhere goes too.
Function FirewallAllow
  Push $0
  Push $1
  nsExec::ExecToStack '${NETSH} delete rule name="${FIREWALL_RULE}" dir=in'
  Pop $0
  Pop $1
  nsExec::ExecToStack '${NETSH} add rule name="${FIREWALL_RULE}" dir=in action=allow \
    program="$INSTDIR\client.exe" enable=yes profile=any'
  Pop $0
  Pop $1
  ${If} $0 == 0
    ${Note} "Windows Firewall lets client.exe in on all networks (inbound rule $\"${FIREWALL_RULE}$\")."
  ${Else}
    ${Tell} MB_OK|MB_ICONEXCLAMATION "lanparty could not add its Windows Firewall rule (netsh: $0):$\r$\n$1$\r$\n\
      Windows may ask whether client.exe may use the network: allow it on private and public networks, or the \
      party check and games may not see the party's broadcasts."
  ${EndIf}
  Pop $1
  Pop $0
FunctionEnd

; The lanparty service (issue 13; docs/WINDOWS.md, "The lanparty
; service"): lanparty-service.exe, run by Windows as LocalSystem from boot
; on, owns the TAP adapter, the routes and the session; client.exe, run
; by the player without administrator rights, asks it over
; \\.\pipe\lanparty. Installed, changed, started, stopped and deleted
; through the service manager's own functions (advapi32, winsvc.h), as
; the System plug-in calls them: the binary path goes in as one string
; with its quotes, where sc.exe's "binPath= "\"...\""" would need a second
; layer of quoting, and an upgrade needs ChangeServiceConfigW, which
; wine's sc.exe does not offer ("sc config"). Only the failure actions go
; through sc.exe (ServiceFailureActions).
!define SERVICE_NAME "lanparty"
!define SERVICE_FILE "lanparty-service.exe"
!define SERVICE_DISPLAY_NAME "lanparty"
!define SERVICE_DESCRIPTION "Joins LAN parties for lanparty's window (client.exe), so players need no administrator rights: \
  owns the TAP-Windows6 adapter, the routes and the connection to the relay. Stopping it leaves the room."
; What the service's log is, for the messages below.
!define SERVICE_LOG "%ProgramData%\lanparty\service.log"
!define SC '"$SYSDIR\sc.exe"'
; winsvc.h and winerror.h.
!define SC_MANAGER_CONNECT 0x0001
!define SC_MANAGER_ALL_ACCESS 0xF003F
!define SERVICE_QUERY_STATUS 0x0004
!define SERVICE_START 0x0010
!define SERVICE_STOP 0x0020
!define SERVICE_ALL_ACCESS 0xF01FF
!define SERVICE_DELETE_ACCESS 0x10000
!define SERVICE_WIN32_OWN_PROCESS 0x10
!define SERVICE_AUTO_START 2
!define SERVICE_ERROR_NORMAL 1
!define SERVICE_CONTROL_STOP 1
!define SERVICE_CONFIG_DESCRIPTION 1
!define SERVICE_STOPPED 1
!define SERVICE_START_PENDING 2
!define SERVICE_RUNNING 4
!define ERROR_SERVICE_ALREADY_RUNNING 1056
!define ERROR_SERVICE_DOES_NOT_EXIST 1060
; Stopping leaves the room (a goodbye to the relay) and undoes what the
; session changed; the service asks for 10 s (its stop wait hint).
!define SERVICE_STOP_WAIT_S 30
; Starting makes the pipe; the service asks for 10 s (its start wait hint).
!define SERVICE_START_WAIT_S 20

; The service's functions, for the installer and (un.) the uninstaller.
!macro SERVICE_FUNCTIONS PREFIX
; ServiceState: pushes the lanparty service's state (SERVICE_STOPPED 1 ...
; SERVICE_RUNNING 4), 0 when there is no such service, or "error N" (a
; Windows error number) when it cannot be read.
Function ${PREFIX}ServiceState
  Push $0
  Push $1
  Push $2
  Push $3
  StrCpy $0 0
  System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i ${SC_MANAGER_CONNECT}) p .r1 ?e'
  Pop $3
  ${If} $1 == 0
    StrCpy $0 "error $3"
  ${Else}
    System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE_NAME}", i ${SERVICE_QUERY_STATUS}) p .r2 ?e'
    Pop $3
    ${If} $2 != 0
      ; SERVICE_STATUS: seven DWORDs, dwCurrentState the second.
      System::Call '*(i 0, i 0, i 0, i 0, i 0, i 0, i 0) p .r3'
      System::Call 'advapi32::QueryServiceStatus(p r2, p r3) i .r0'
      ${If} $0 != 0
        System::Call '*$3(&v4, i .r0)'
      ${Else}
        StrCpy $0 "error (QueryServiceStatus)"
      ${EndIf}
      System::Free $3
      System::Call 'advapi32::CloseServiceHandle(p r2)'
    ${ElseIf} $3 != ${ERROR_SERVICE_DOES_NOT_EXIST}
      StrCpy $0 "error $3"
    ${EndIf}
    System::Call 'advapi32::CloseServiceHandle(p r1)'
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd

; ServiceStop: stops the lanparty service and waits, at most
; SERVICE_STOP_WAIT_S, until it has; pushes "absent" (there is none),
; "stopped", or the state it was left in. A service still starting cannot
; take a stop yet: it is asked again while it is starting or running.
Function ${PREFIX}ServiceStop
  Push $0
  Push $1
  Push $2
  Push $3
  Push $4
  Call ${PREFIX}ServiceState
  Pop $0
  ${If} $0 == 0
    StrCpy $0 "absent"
  ${Else}
    System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i ${SC_MANAGER_CONNECT}) p .r1'
    System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE_NAME}", i ${SERVICE_STOP}) p .r2'
    System::Call '*(i 0, i 0, i 0, i 0, i 0, i 0, i 0) p .r3'
    StrCpy $4 0
    ${Do}
      Call ${PREFIX}ServiceState
      Pop $0
      ${If} $0 == ${SERVICE_STOPPED}
      ${OrIf} $0 == 0
        StrCpy $0 "stopped"
        ${ExitDo}
      ${EndIf}
      ${If} $4 >= ${SERVICE_STOP_WAIT_S}000
        StrCpy $0 "still in state $0 after ${SERVICE_STOP_WAIT_S} s"
        ${ExitDo}
      ${EndIf}
      ${If} $0 == ${SERVICE_RUNNING}
      ${OrIf} $0 == ${SERVICE_START_PENDING}
        System::Call 'advapi32::ControlService(p r2, i ${SERVICE_CONTROL_STOP}, p r3) i'
      ${EndIf}
      Sleep 250
      IntOp $4 $4 + 250
    ${Loop}
    System::Free $3
    System::Call 'advapi32::CloseServiceHandle(p r2)'
    System::Call 'advapi32::CloseServiceHandle(p r1)'
  ${EndIf}
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd
!macroend
!insertmacro SERVICE_FUNCTIONS ""
!insertmacro SERVICE_FUNCTIONS "un."

; ServiceWaitRunning: waits at most SERVICE_START_WAIT_S for the service to
; run; pushes its state then (SERVICE_RUNNING 4 when it does).
Function ServiceWaitRunning
  Push $0
  Push $1
  StrCpy $1 0
  ${Do}
    Call ServiceState
    Pop $0
    ${If} $0 == ${SERVICE_RUNNING}
    ${OrIf} $1 >= ${SERVICE_START_WAIT_S}000
      ${ExitDo}
    ${EndIf}
    Sleep 250
    IntOp $1 $1 + 250
  ${Loop}
  Pop $1
  Exch $0
FunctionEnd

; An upgrade replaces lanparty-service.exe, which Windows keeps open while
; the service runs: stop it first (it leaves the room). Its state
; directory, %ProgramData%\lanparty (its MAC, route state and log), and
; each player's %LOCALAPPDATA%\lanparty (consents) are left as they are.
Function ServiceStopForUpgrade
  Push $0
  Call ServiceStop
  Pop $0
  ${If} $0 == "stopped"
    ${Note} "Stopped the lanparty service to replace it."
  ${ElseIf} $0 != "absent"
    ${Tell} MB_OK|MB_ICONEXCLAMATION "The lanparty service did not stop ($0), so its program may not be replaced. \
      Stop it (sc stop ${SERVICE_NAME}, or in Services), then run setup again."
  ${EndIf}
  Pop $0
FunctionEnd

; ServiceFailureActions: Windows starts the service again 5 s after it
; crashed, twice; a third crash within a day (86400 s) leaves it stopped
; rather than restarting it in a loop. Through sc.exe, as FirewallAllow
; uses netsh: the same words an administrator would type, and a command
; line the installer test can read (wine's service manager accepts
; failure actions but keeps none, so there is nothing else to look at).
Function ServiceFailureActions
  Push $0
  Push $1
  nsExec::ExecToStack '${SC} failure ${SERVICE_NAME} reset= 86400 actions= restart/5000/restart/5000//'
  Pop $0
  Pop $1
  ${If} $0 != 0
    ${Note} "Windows will not restart the lanparty service after a crash (sc failure: $0): $1"
  ${EndIf}
  Pop $1
  Pop $0
FunctionEnd

; ServiceConfigure: creates the lanparty service, or on an upgrade sets an
; existing one's configuration back to ours; pushes 0, or what failed.
;
; The binary path is quoted. Unquoted, "C:\Program Files\lanparty\
; lanparty-service.exe" is ambiguous: Windows tries C:\Program.exe first,
; then C:\Program Files\lanparty\lanparty-service.exe, so whoever may
; write such a file runs it as LocalSystem (the "unquoted service path"
; privilege escalation, CWE-428). The quotes leave one reading.
Function ServiceConfigure
  Push $0
  Push $1
  Push $2
  Push $3
  Push $4
  StrCpy $0 0
  StrCpy $2 '"$INSTDIR\${SERVICE_FILE}"'
  System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i ${SC_MANAGER_ALL_ACCESS}) p .r1 ?e'
  Pop $4
  ${If} $1 == 0
    StrCpy $0 "OpenSCManager: error $4"
  ${Else}
    System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE_NAME}", i ${SERVICE_ALL_ACCESS}) p .r3 ?e'
    Pop $4
    ${If} $3 != 0
      ; LocalSystem takes an empty password (CreateService's and
      ; ChangeServiceConfig's documentation).
      System::Call 'advapi32::ChangeServiceConfigW(p r3, i ${SERVICE_WIN32_OWN_PROCESS}, i ${SERVICE_AUTO_START}, \
        i ${SERVICE_ERROR_NORMAL}, w r2, p 0, p 0, p 0, w "LocalSystem", w "", w "${SERVICE_DISPLAY_NAME}") i .r0 ?e'
      Pop $4
      ${If} $0 == 0
        StrCpy $0 "ChangeServiceConfig: error $4"
      ${Else}
        StrCpy $0 0
      ${EndIf}
    ${ElseIf} $4 == ${ERROR_SERVICE_DOES_NOT_EXIST}
      System::Call 'advapi32::CreateServiceW(p r1, w "${SERVICE_NAME}", w "${SERVICE_DISPLAY_NAME}", \
        i ${SERVICE_ALL_ACCESS}, i ${SERVICE_WIN32_OWN_PROCESS}, i ${SERVICE_AUTO_START}, i ${SERVICE_ERROR_NORMAL}, \
        w r2, p 0, p 0, p 0, w "LocalSystem", w "") p .r3 ?e'
      Pop $4
      ${If} $3 == 0
        StrCpy $0 "CreateService: error $4"
      ${EndIf}
    ${Else}
      StrCpy $0 "OpenService: error $4"
    ${EndIf}
    ${If} $3 != 0
      ; SERVICE_DESCRIPTIONW: a pointer to the text, shown in Services.
      ; Through a register: the text's apostrophe would end the quoted
      ; System::Call argument.
      StrCpy $2 "${SERVICE_DESCRIPTION}"
      System::Call '*(&w${NSIS_MAX_STRLEN} r2) p .r2'
      System::Call '*(p r2) p .r4'
      System::Call 'advapi32::ChangeServiceConfig2W(p r3, i ${SERVICE_CONFIG_DESCRIPTION}, p r4) i'
      System::Free $4
      System::Free $2
      System::Call 'advapi32::CloseServiceHandle(p r3)'
    ${EndIf}
    System::Call 'advapi32::CloseServiceHandle(p r1)'
  ${EndIf}
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd

; ServiceStart: pushes 0 once the service runs, else what went wrong.
Function ServiceStart
  Push $0
  Push $1
  Push $2
  Push $3
  StrCpy $0 0
  System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i ${SC_MANAGER_CONNECT}) p .r1'
  System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE_NAME}", i ${SERVICE_START}) p .r2 ?e'
  Pop $3
  ${If} $2 == 0
    StrCpy $0 "OpenService: error $3"
  ${Else}
    System::Call 'advapi32::StartServiceW(p r2, i 0, p 0) i .r0 ?e'
    Pop $3
    ${If} $0 != 0
    ${OrIf} $3 == ${ERROR_SERVICE_ALREADY_RUNNING}
      StrCpy $0 0
    ${Else}
      StrCpy $0 "StartService: error $3"
    ${EndIf}
    System::Call 'advapi32::CloseServiceHandle(p r2)'
  ${EndIf}
  System::Call 'advapi32::CloseServiceHandle(p r1)'
  ${If} $0 == 0
    Call ServiceWaitRunning
    Pop $3
    ${If} $3 != ${SERVICE_RUNNING}
      StrCpy $0 "it is in state $3, not running, after ${SERVICE_START_WAIT_S} s"
    ${EndIf}
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd

; ServiceInstall: the service configured, its failure actions, started.
Function ServiceInstall
  Push $0
  Call ServiceConfigure
  Pop $0
  ${If} $0 != 0
    ${Tell} MB_OK|MB_ICONSTOP "lanparty could not install its service ($0). Without it lanparty cannot join a \
      party: run setup again as an administrator."
    Pop $0
    Return
  ${EndIf}
  Call ServiceFailureActions
  Call ServiceStart
  Pop $0
  ${If} $0 == 0
    ${Note} "The lanparty service is installed and running."
  ${Else}
    ${Tell} MB_OK|MB_ICONEXCLAMATION "lanparty installed its service but could not start it ($0). Its log, \
      ${SERVICE_LOG}, may say why; restarting Windows starts it again."
  ${EndIf}
  Pop $0
FunctionEnd

Section "lanparty" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  Call ServiceStopForUpgrade
  File "/oname=client.exe" "${CLIENT_EXE}"
  File "/oname=${SERVICE_FILE}" "${SERVICE_EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  Call FirewallAllow

  SetShellVarContext all
  CreateShortCut "$SMPROGRAMS\lanparty.lnk" "$INSTDIR\client.exe" "" "$INSTDIR\client.exe" 0 \
    SW_SHOWNORMAL "" "Join a LAN party over the internet"

  ; lanparty:// links open client.exe with the link as its argument.
  ; Windows puts the link into the command line as it is, so a link
  ; with a quote in it could close "%1" and add options of its own: "--"
  ; makes client.exe take exactly one word after it, as the invite.
  WriteRegStr HKCR "lanparty" "" "URL:lanparty invite"
  WriteRegStr HKCR "lanparty" "URL Protocol" ""
  WriteRegStr HKCR "lanparty\DefaultIcon" "" '"$INSTDIR\client.exe",0'
  WriteRegStr HKCR "lanparty\shell\open\command" "" '"$INSTDIR\client.exe" -- "%1"'
  ; .lanparty files (a text file holding the link) likewise.
  WriteRegStr HKCR ".lanparty" "" "lanparty.invite"
  WriteRegStr HKCR ".lanparty" "Content Type" "text/plain"
  WriteRegStr HKCR "lanparty.invite" "" "lanparty invite"
  WriteRegStr HKCR "lanparty.invite\DefaultIcon" "" '"$INSTDIR\client.exe",0'
  WriteRegStr HKCR "lanparty.invite\shell\open\command" "" '"$INSTDIR\client.exe" -- "%1"'

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "lanparty"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" '"$INSTDIR\client.exe",0'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1

  ; Last, once everything it needs is in place.
  Call ServiceInstall
SectionEnd

!define WINTRUST_ACTION_GENERIC_VERIFY_V2 "{00AAC56B-CD44-11d0-8CC2-00C04FC295EE}"
!define TRUST_E_NOSIGNATURE 0x800B0100

; VerifySignature: pops a file's path and pushes 0 when the file carries
; an Authenticode signature that chains to a root Windows trusts, else
; WinVerifyTrust's error as 0x%08X. WINTRUST_ACTION_GENERIC_VERIFY_V2,
; no UI, no revocation check, then WTD_STATEACTION_CLOSE, as Microsoft
; Learn's "Example C Program: Verifying the Signature of a PE File". The
; System plug-in lays structures out as written, so the padding of the
; 64-bit layout is spelled out (&v4).
Function VerifySignature
  Exch $0
  Push $1
  Push $2
  Push $3
  ; The path, in a buffer of its own for pcwszFilePath to point at.
  System::Call '*(&w${NSIS_MAX_STRLEN} r0) p .r1'
  ; WINTRUST_FILE_INFO: cbStruct, pcwszFilePath, hFile, pgKnownSubject.
  System::Call '*(i 32, &v4, p r1, p 0, p 0) p .r2'
  ; WINTRUST_DATA: cbStruct, pPolicyCallbackData, pSIPClientData,
  ; dwUIChoice WTD_UI_NONE, fdwRevocationChecks WTD_REVOKE_NONE,
  ; dwUnionChoice WTD_CHOICE_FILE, pFile, dwStateAction
  ; WTD_STATEACTION_VERIFY, hWVTStateData, pwszURLReference, dwProvFlags,
  ; dwUIContext, pSignatureSettings: 88 bytes.
  System::Call '*(i 88, &v4, p 0, p 0, i 2, i 0, i 1, &v4, p r2, i 1, &v4, p 0, p 0, i 0, i 0, p 0) p .r3'
  System::Call 'wintrust::WinVerifyTrust(p -1, g "${WINTRUST_ACTION_GENERIC_VERIFY_V2}", p r3) i .r0'
  ; dwStateAction (offset 48) WTD_STATEACTION_CLOSE frees what it kept.
  System::Call '*$3(&v48, i 2)'
  System::Call 'wintrust::WinVerifyTrust(p -1, g "${WINTRUST_ACTION_GENERIC_VERIFY_V2}", p r3) i'
  System::Free $3
  System::Free $2
  System::Free $1
  ${If} $0 != 0
    IntFmt $0 "0x%08X" $0
  ${EndIf}
  Pop $3
  Pop $2
  Pop $1
  Exch $0
FunctionEnd

!define TAP_FOUND "A TAP-Windows6 adapter is installed."
!define TAP_GET "Download $\"TAP-Windows$\" (the NDIS 6 version, tap-windows-9.x.y.exe) from$\r$\n\
  ${TAP_DOWNLOAD}$\r$\nor ${TAP_DOWNLOAD_GITHUB}$\r$\nand install it"

Section "TAP-Windows6 adapter" SecTap
  Call DetectTap
  ${If} $TapAdapter == 1
    ${Note} "${TAP_FOUND}"
    Return
  ${EndIf}

  ; OpenVPN's tap-windows-9.x.y.exe beside this setup program. It installs
  ; the driver and, when no adapter exists, adds one (tap-windows6's
  ; installer/tap-windows6.nsi: "tapinstall hwids", then "install").
  ; It runs with our administrator rights, so only if it is signed, and
  ; what is checked and run is a copy in Program Files\lanparty, which
  ; only administrators may change: the folder setup came from (say
  ; Downloads) is the player's, and a file there could be swapped
  ; between the check and the start.
  FindFirst $0 $1 "$EXEDIR\tap-windows-*.exe"
  FindClose $0
  ${If} $1 != ""
    StrCpy $3 "$INSTDIR\tap-windows-setup.exe"
    Delete $3
    ClearErrors
    CopyFiles /SILENT "$EXEDIR\$1" $3
    ${If} ${Errors}
      StrCpy $2 "cannot be copied"
    ${Else}
      Push $3
      Call VerifySignature
      Pop $2
      ${If} $2 == ${TRUST_E_NOSIGNATURE}
        StrCpy $2 "is not signed"
      ${ElseIf} $2 != 0
        StrCpy $2 "has no signature Windows trusts (error $2)"
      ${EndIf}
    ${EndIf}
    ${If} $2 != 0
      Delete $3
      ${Tell} MB_OK|MB_ICONEXCLAMATION "$1, next to this setup program, $2, so it was not run: it would run with \
        administrator rights, and only the official TAP-Windows installer from the OpenVPN project, signed by \
        it, may.$\r$\n$\r$\n${TAP_GET}, then open your invite link again."
      Return
    ${EndIf}
    DetailPrint "Installing TAP-Windows6 from $1 (signature checked)..."
    ExecWait '"$3" /S' $2
    Delete $3
    Call DetectTap
    ${If} $TapAdapter == 1
      ${Note} "${TAP_FOUND}"
      Return
    ${EndIf}
    ${Tell} MB_OK|MB_ICONEXCLAMATION "Installing TAP-Windows6 from $1 did not give this computer a TAP-Windows6 \
      network adapter (exit code $2). Run it yourself, then open your invite link again."
    Return
  ${EndIf}

  ${If} $TapDriver == 1
    ${Tell} MB_OK|MB_ICONINFORMATION "TAP-Windows6 is installed, but this computer has no TAP-Windows6 network \
      adapter (it may have been removed in Device Manager, or by another VPN program). lanparty needs one.$\r$\n$\r$\n\
      Run the TAP-Windows installer again: it adds an adapter when there is none. If you installed its \
      utilities, $\"Add a new TAP virtual ethernet adapter$\" (Start menu, TAP-Windows, Utilities; run it as \
      administrator) does the same. Then open your invite link again."
  ${Else}
    ${Tell} MB_OK|MB_ICONINFORMATION "lanparty needs the TAP-Windows6 virtual network adapter (from the OpenVPN \
      project), which is not installed.$\r$\n$\r$\n${TAP_GET}, or put it next to this setup program and run \
      setup again."
  ${EndIf}
SectionEnd

!define STATE_DIR "$APPDATA\lanparty"
!define FILE_ATTRIBUTE_REPARSE_POINT 0x400

; un.ServiceDelete: removes the lanparty service (Windows does so once
; nobody has it open any more, e.g. the Services window); logs what
; happened.
Function un.ServiceDelete
  Push $0
  Push $1
  Push $2
  Push $3
  System::Call 'advapi32::OpenSCManagerW(p 0, p 0, i ${SC_MANAGER_CONNECT}) p .r1'
  System::Call 'advapi32::OpenServiceW(p r1, w "${SERVICE_NAME}", i ${SERVICE_DELETE_ACCESS}) p .r2 ?e'
  Pop $3
  ${If} $2 != 0
    System::Call 'advapi32::DeleteService(p r2) i .r0 ?e'
    Pop $3
    ${If} $0 != 0
      ${UnNote} "Removed the lanparty service."
    ${Else}
      ${UnTell} MB_OK|MB_ICONEXCLAMATION "lanparty could not remove its service (DeleteService: error $3). \
        Remove it from an administrator Command Prompt: sc delete ${SERVICE_NAME}"
    ${EndIf}
    System::Call 'advapi32::CloseServiceHandle(p r2)'
  ${ElseIf} $3 != ${ERROR_SERVICE_DOES_NOT_EXIST}
    ${UnTell} MB_OK|MB_ICONEXCLAMATION "lanparty could not remove its service (OpenService: error $3). \
      Remove it from an administrator Command Prompt: sc delete ${SERVICE_NAME}"
  ${EndIf}
  System::Call 'advapi32::CloseServiceHandle(p r1)'
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

Section "Uninstall"
  SetShellVarContext all
  ; First the service: stopping it leaves the room and lets go of the
  ; TAP adapter and of its files.
  Call un.ServiceStop
  Pop $0
  ${If} $0 == "stopped"
    ${UnNote} "Stopped the lanparty service."
  ${ElseIf} $0 != "absent"
    ${UnTell} MB_OK|MB_ICONEXCLAMATION "The lanparty service did not stop ($0); it is removed all the same and \
      is gone after the next restart of Windows."
  ${EndIf}

  ; Then, while client.exe is still there: it puts back what it changed
  ; and recorded in ${STATE_DIR} (%ProgramData%\lanparty, as all users'
  ; $APPDATA): the route to the relay, the TAP adapter's settings.
  ${If} ${FileExists} "$INSTDIR\client.exe"
    nsExec::ExecToStack /TIMEOUT=60000 '"$INSTDIR\client.exe" --restore'
    Pop $0
    Pop $1
    DetailPrint "client.exe --restore: $1"
    ${If} $0 != 0
      ${UnTell} MB_OK|MB_ICONEXCLAMATION "lanparty could not put back everything it changed on this computer \
        (client.exe --restore: $0):$\r$\n$\r$\n$1$\r$\nCheck the TAP adapter's settings and routes by hand."
    ${EndIf}
  ${EndIf}
  Call un.ServiceDelete

  ; Then its state, without ever following a link: RMDir /r would walk
  ; into a junction somebody put there, with administrator rights. Delete
  ; with a wildcard removes files only; RMDir removes the directory when
  ; it is empty, or a link in its place. What goes: the route state just
  ; restored, the service's log. What stays, as on an upgrade: anything
  ; else, such as the MAC the service keeps there (client-mac), so a
  ; reinstall comes back with the same one, as each player's own
  ; %LOCALAPPDATA%\lanparty (MAC of client.exe before the service,
  ; consents) stays; docs/WINDOWS.md says how to remove them. The
  ; directory's ACL (win-acl.h) is never touched here.
  System::Call 'kernel32::GetFileAttributesW(w "${STATE_DIR}") i .r0'
  ${If} $0 != -1
    IntOp $1 $0 & ${FILE_ATTRIBUTE_REPARSE_POINT}
    ${If} $1 == 0
      Delete "${STATE_DIR}\routes-*"
      Delete "${STATE_DIR}\service.log"
      Delete "${STATE_DIR}\service.log.old"
    ${EndIf}
    RMDir "${STATE_DIR}"
    ${If} ${FileExists} "${STATE_DIR}\*.*"
      ${UnNote} "Left ${STATE_DIR} in place: it holds files other than the route state and the service's log."
    ${EndIf}
  ${EndIf}

  ; Our firewall rule, by its name: $INSTDIR may be another spelling of
  ; the path the rule holds (a short name), which netsh would not match.
  nsExec::ExecToStack '${NETSH} delete rule name="${FIREWALL_RULE}" dir=in'
  Pop $0
  Pop $1
  DetailPrint "Windows Firewall rule $\"${FIREWALL_RULE}$\" removed (netsh: $0)."

  Delete "$SMPROGRAMS\lanparty.lnk"
  Delete "$INSTDIR\client.exe"
  Delete "$INSTDIR\${SERVICE_FILE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  DeleteRegKey HKCR "lanparty"
  DeleteRegKey HKCR "lanparty.invite"
  ; Only our association: another program may have taken .lanparty since.
  ReadRegStr $0 HKCR ".lanparty" ""
  ${If} $0 == "lanparty.invite"
    DeleteRegKey HKCR ".lanparty"
  ${EndIf}
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; TAP-Windows6 stays: it has its own uninstaller and other VPNs use it.
SectionEnd
