"""The notifier service's settings: the shared ones (`HELPDESK_*`), and its own beside them as it grows
(a field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from helpdesk_common.config import HelpdeskSettings


class NotifierSettings(HelpdeskSettings):
    service_name: str = "notifier"
