; Kyso for Windows: installs the host executable under Program Files and registers it with Chrome, Edge,
; Chromium and Firefox for ALL users (HKLM), optionally force-installing the extension by policy.
; Built on Linux by scripts/lib/package/windows.mjs with Debian's makensis:
;   makensis -DVERSION=… -DPAYLOAD_DIR=… -DGENERATED=… -DOUT_FILE=… packaging/windows/kyso.nsi
; GENERATED/registry.nsh (macros KysoWriteRegistry, KysoDeleteRegistry, KysoWritePolicy, KysoDeletePolicy) and the
; two host manifests come from native-host/install/windows-registry.ts and host-manifest.ts, so the installer and
; `kyso install` on Windows can never disagree about a key (test/unit/install-locations.test.ts).

Unicode true
; A 64-bit installer for a 64-bit-only product (Debian's nsis ships the amd64-unicode stubs).
Target amd64-unicode
!include "MUI2.nsh"
!include "x64.nsh"
!include "${GENERATED}\registry.nsh"

Name "Kyso ${VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\Kyso"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Kyso"

!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Kyso cần Windows 64-bit. / Kyso needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Section "Kyso (native host + kyso command)" SecHost
  SectionIn RO
  SetRegView 64
  SetOutPath "$INSTDIR"
  File "${PAYLOAD_DIR}\kyso.exe"
  ; The pkcs11js addon lives beside the executable, in a folder only administrators can write.
  File "${PAYLOAD_DIR}\pkcs11.node"
  ; Manifests name "kyso.exe" relative to their own folder (allowed on Windows by Chrome and Firefox).
  File "${GENERATED}\vn.kyso.host.chromium.json"
  File "${GENERATED}\vn.kyso.host.firefox.json"
  !insertmacro KysoWriteRegistry
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Kyso"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Kyso"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
SectionEnd

!ifdef KYSO_HAS_POLICY
Section /o "Force-install the Kyso extension in Chrome and Edge (policy)" SecPolicy
  SetRegView 64
  !insertmacro KysoWritePolicy
SectionEnd
!endif

Section "Uninstall"
  SetRegView 64
  !insertmacro KysoDeleteRegistry
  !ifdef KYSO_HAS_POLICY
    !insertmacro KysoDeletePolicy
  !endif
  Delete "$INSTDIR\kyso.exe"
  Delete "$INSTDIR\pkcs11.node"
  Delete "$INSTDIR\vn.kyso.host.chromium.json"
  Delete "$INSTDIR\vn.kyso.host.firefox.json"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
