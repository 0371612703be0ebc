; Inno Setup script: a per-user install of the frozen app (no administrator rights), with a
; Start-menu entry and an uninstaller. UNTESTED here (built on Linux): see installers/README.md.
; Build on Windows after `pyinstaller installers\chartside.spec` from the repository root:
;   iscc /DAppVersion=0.1.0 installers\windows\chartside.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6A0C6A9E-6F0B-4C53-9E55-5C1A6B2F7C31}
AppName=Chartside
AppVersion={#AppVersion}
AppPublisher=Chartside
DefaultDirName={localappdata}\Programs\Chartside
DefaultGroupName=Chartside
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=chartside-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=chartside.ico
UninstallDisplayIcon={app}\chartside.exe
WizardStyle=modern

[Files]
; The PyInstaller one-folder output (dist\chartside\chartside.exe + _internal\).
Source: "..\..\dist\chartside\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\Chartside"; Filename: "{app}\chartside.exe"
Name: "{userdesktop}\Chartside"; Filename: "{app}\chartside.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\chartside.exe"; Description: "Start Chartside"; Flags: nowait postinstall skipifsilent
