"""Executables and scripts blocked by default; a deployment whose administrator never chose a list gets it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# helpdesk_common.files.DEFAULT_BLOCKED_EXTENSIONS when this revision was written (f4ddb0e); a change
# to that list is a revision of its own.
BLOCKED_EXTENSIONS = (
    ".app", ".application", ".appref-ms", ".appx", ".appxbundle", ".bat", ".cab", ".chm", ".cmd",
    ".com", ".command", ".cpl", ".dll", ".dmg", ".drv", ".exe", ".gadget", ".hlp", ".hta", ".img",
    ".inf", ".ins", ".iso", ".isp", ".jar", ".jnlp", ".js", ".jse", ".library-ms", ".lnk", ".msc",
    ".msh", ".msh1", ".msh1xml", ".msh2", ".msh2xml", ".mshxml", ".msi", ".msix", ".msixbundle", ".msp",
    ".mst", ".ocx", ".pif", ".pkg", ".ps1", ".ps1xml", ".ps2", ".ps2xml", ".psc1", ".psc2", ".psd1",
    ".psm1", ".reg", ".scf", ".scr", ".sct", ".settingcontent-ms", ".sys", ".url", ".vb", ".vbe",
    ".vbs", ".vhd", ".vhdx", ".ws", ".wsc", ".wsf", ".wsh",
)  # fmt: skip


def upgrade() -> None:
    default = "{" + ",".join(BLOCKED_EXTENSIONS) + "}"
    op.alter_column("module_settings", "blocked_extensions", server_default=default)
    op.get_bind().execute(
        sa.text(
            "UPDATE module_settings SET blocked_extensions = :default "
            "WHERE updated_by IS NULL AND blocked_extensions = '{}'"
        ),
        {"default": list(BLOCKED_EXTENSIONS)},
    )


def downgrade() -> None:
    op.alter_column("module_settings", "blocked_extensions", server_default="{}")
