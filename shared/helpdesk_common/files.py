"""File names from outside (uploads, mail attachments): what a name really is, and which extensions
are refused unless an administrator says otherwise."""

from __future__ import annotations

from pathlib import PurePosixPath

# Programs, scripts and shortcuts that run when opened on the desktops a helpdesk serves: the
# Windows types the OWASP file upload guidance and Outlook's blocked-attachment list name, the
# disk images used to carry them past mail filters, and macOS's double-clickable ones. An
# administrator can change the list (Settings, Ticket System).
DEFAULT_BLOCKED_EXTENSIONS: tuple[str, ...] = tuple(
    sorted(
        {
            # Windows programs and installers
            ".exe", ".com", ".scr", ".pif", ".msi", ".msp", ".mst", ".cpl", ".dll", ".sys", ".drv",
            ".ocx", ".application", ".appref-ms", ".gadget", ".msc", ".appx", ".msix", ".appxbundle",
            ".msixbundle",
            # scripts and script hosts
            ".bat", ".cmd", ".ps1", ".ps1xml", ".ps2", ".ps2xml", ".psc1", ".psc2", ".psd1", ".psm1",
            ".vb", ".vbe", ".vbs", ".js", ".jse", ".ws", ".wsc", ".wsf", ".wsh", ".hta", ".sct",
            ".msh", ".msh1", ".msh2", ".mshxml", ".msh1xml", ".msh2xml", ".scf", ".settingcontent-ms",
            # shortcuts, registry, help and setup files that run code
            ".lnk", ".url", ".reg", ".inf", ".ins", ".isp", ".chm", ".hlp", ".cab", ".library-ms",
            # Java
            ".jar", ".jnlp",
            # disk images that hide what they carry from the mail filter and the desktop's warnings
            ".iso", ".img", ".vhd", ".vhdx",
            # macOS
            ".app", ".command", ".pkg", ".dmg",
        }
    )
)  # fmt: skip


def safe_file_name(raw: str | None) -> str:
    """A bare file name as the desktop that opens it will read it: no folders; cut at a NUL (as C
    code reads it) and at an NTFS stream suffix (`a.exe::$DATA` is `a.exe`); no control or
    direction characters (`\u202e` makes `exe.pdf` look like `fdp.exe`); no trailing dots or spaces
    (Windows drops them); never empty."""
    name = PurePosixPath((raw or "").replace("\\", "/")).name
    name = name.split("\x00", 1)[0].split(":", 1)[0]
    name = "".join(character for character in name if character.isprintable())
    return name.strip(" .")[:255] or "attachment"


def extension_of(name: str) -> str:
    """The extension that decides how a file opens, lower case (`.exe`), or "" when it has none."""
    return PurePosixPath(safe_file_name(name).lower()).suffix


def is_blocked(name: str, blocked_extensions: list[str] | tuple[str, ...]) -> bool:
    return extension_of(name) in blocked_extensions
