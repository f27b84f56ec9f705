"""A ticket number in a path (`TKT-000123`, any case), so the tickets' routes can be matched first:
they no longer swallow /departments, /settings and the other fixed paths, and the bulk of the
traffic stops trying every other route before its own."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class TicketNumber(Convertor[str]):
    regex = "[A-Za-z][A-Za-z0-9]{0,9}-[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ticket_number", TicketNumber())

NUMBER = "{number:ticket_number}"
