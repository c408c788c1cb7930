"""Contacts with tags, written as Apprise's text configuration writes them: `secretary,office=mailto://…`.
A URL without tags receives every notice; a campaign's `routing` says which tags receive which kinds."""

from __future__ import annotations

import re

_TAGGED = re.compile(r"^(?P<tags>[A-Za-z0-9_,-]+)=(?P<url>[A-Za-z][A-Za-z0-9+.-]*://.*)$")


def split_contact(contact: str) -> tuple[frozenset[str], str]:
    """`secretary,office=mailto://x` → ({"secretary", "office"}, "mailto://x"); an untagged URL → ({}, URL)."""
    match = _TAGGED.match(contact)
    if match is None:
        return frozenset(), contact
    return frozenset(t for t in match["tags"].split(",") if t), match["url"]


def urls_for(contacts: list[str], kind: str, routing: dict[str, list[str]]) -> list[str]:
    """The URLs of a unit that receive a notice of `kind`: untagged ones, and tagged ones the routing names."""
    wanted = routing.get(kind)
    found = []
    for contact in contacts:
        tags, url = split_contact(contact)
        if not tags or wanted is None or tags & set(wanted):
            found.append(url)
    return found
