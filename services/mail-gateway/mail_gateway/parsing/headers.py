"""Reading header fields of a hostile message: bounded, repaired to real text, then decoded.

The stdlib's header parser (`policy.default`) is quadratic in some inputs (100 KB of encoded words took
over a second, a megabyte ran out of memory), so a field is cut to a bounded length before it is
parsed (the parser's policy cuts them as they are read; these helpers again, for any caller). Raw
8-bit bytes in a header (which `email` keeps as surrogate escapes) are read as UTF-8, else as
Windows-1252, the two a sending client without RFC 2047 uses in practice."""

from __future__ import annotations

import re
from email import policy
from email.message import Message
from email.utils import getaddresses, parseaddr

# Longer than any real subject or address list; a field cut here still decodes.
MAX_FIELD_CHARS = 4096
# Threads deeper than this keep their newest references, the ones that find the ticket.
MAX_REFERENCES = 50
MESSAGE_ID_MAX_CHARS = 998

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ANGLED = re.compile(r"<[^<>\s]{1,996}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def repaired(value: str) -> str:
    """Text without surrogate escapes (undecoded 8-bit bytes) and without control characters."""
    if any("\udc80" <= character <= "\udcff" for character in value):
        data = value.encode("utf-8", "surrogateescape")
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            value = data.decode("cp1252", "replace")
    # Lone surrogates of any other kind cannot be written as UTF-8 (JSON, PostgreSQL).
    value = value.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", value)


def raw_field(part: Message, name: str, *, keep_end: bool = False) -> str | None:
    """The first field `name` as it arrived, unfolded, repaired and bounded (its start, or with
    `keep_end` its end: a thread's newest references are last); never parsed."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            text = str(value)
            if keep_end:
                return repaired(_FOLD.sub("", text[-MAX_FIELD_CHARS * 2 :]))[-MAX_FIELD_CHARS:].strip()
            return repaired(_FOLD.sub("", text[: MAX_FIELD_CHARS * 2]))[:MAX_FIELD_CHARS].strip()
    return None


def has_field(part: Message, name: str) -> bool:
    wanted = name.lower()
    return any(key.lower() == wanted for key, _ in part.raw_items())


def decoded_text(part: Message, name: str) -> str:
    """An unstructured field (Subject) with its RFC 2047 words decoded."""
    value = raw_field(part, name)
    if not value:
        return ""
    try:
        return repaired(str(policy.default.header_factory(name, value))).strip()
    except Exception:
        # A malformed encoded word the decoder gives up on is still the sender's text.
        return value


def first_address(part: Message, *names: str) -> tuple[str, str]:
    """(address, display name) of the first of `names` that holds an address, or ("", "")."""
    for name in names:
        value = raw_field(part, name)
        if not value:
            continue
        address, display = _address(name, value)
        if address:
            return address, display
    return "", ""


def message_ids(value: str | None) -> list[str]:
    """The `<id>` tokens of a Message-ID, In-Reply-To or References field, in order; a lone id
    without brackets (some clients send one) is taken as it is."""
    if not value:
        return []
    found = _ANGLED.findall(value)
    if found:
        return found
    bare = value.split()
    return [bare[0][:MESSAGE_ID_MAX_CHARS]] if len(bare) == 1 else []


def _address(name: str, value: str) -> tuple[str, str]:
    try:
        header = policy.default.header_factory(name, value)
        for address in getattr(header, "addresses", ()):
            if address.addr_spec and "@" in address.addr_spec:
                return repaired(address.addr_spec), repaired(address.display_name or "")
    except Exception:
        pass
    for display, address in getaddresses([value]) or [parseaddr(value)]:
        if "@" in address:
            return address, display
    return "", ""
