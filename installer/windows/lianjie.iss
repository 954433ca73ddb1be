; 衔接终端 Windows 安装程序（Inno Setup 6）。Windows installer of the terminal around the PyInstaller bundle.
;
; Build on a Windows x64 machine (PyInstaller cannot cross-build: the bundle must be made on Windows), from the
; repository root, in a Python 3.11 x64 environment:
;   py -3.11 -m venv .venv && .venv\Scripts\python -m pip install -c constraints.txt . pyinstaller
;   .venv\Scripts\python installer\render_icons.py resources\ui\icons\emblem.svg build\icons
;   .venv\Scripts\python -m PyInstaller --noconfirm --distpath dist\windows --workpath build\pyinstaller installer\lianjie.spec
;   dist\windows\lianjie\lianjie-cli.exe --self-check
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\windows\lianjie.iss
; Output: dist\lianjie-setup-<version>.exe. See docs/install.md.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "衔接终端"
#define Bundle "..\..\dist\windows\lianjie"

[Setup]
AppId={{6F1D2C3A-8B47-4E6B-9B0E-4C1A5D7E2F10}
AppName={#AppName}
AppVerName={#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=两法衔接信息共享平台
DefaultDirName={autopf}\Lianjie
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=lianjie-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
PrivilegesRequired=admin
WizardStyle=modern
UninstallDisplayIcon={app}\lianjie.exe
UninstallDisplayName={#AppName}
#if FileExists(AddBackslash(SourcePath) + "..\..\build\icons\lianjie.ico")
SetupIconFile=..\..\build\icons\lianjie.ico
#endif

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\lianjie.exe"; WorkingDir: "{app}"
Name: "{group}\{#AppName}自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\lianjie-cli.exe"" --self-check"; WorkingDir: "{app}"
Name: "{group}\卸载{#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\lianjie.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\lianjie.exe"; Description: "启动{#AppName}"; Flags: nowait postinstall skipifsilent

; The uninstaller removes the program folder only. The terminal's data (%LOCALAPPDATA%\Lianjie: encrypted store,
; key slots, attachments) and the machine secret in Windows Credential Manager stay: see docs/install.md.
