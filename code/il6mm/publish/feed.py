"""An Atom feed of the review's versions (``feed.xml``), so readers can follow the review in any feed reader.

One entry per released version, newest first: its number and date, what triggered it, whether its conclusions
changed (and which), and links to its What's new and its PDF (the latest at the site's root, earlier ones in
their copies under ``versions/X.Y.Z/``). Written with feedgen. Without a published site address
(``html.baseurl``) the links are relative to the feed, which feed readers resolve against its address.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence

from ..living.versions import VersionEntry, conclusions_label
from .pdf import PDF_NAME

FEED_NAME = "feed.xml"
WHATS_NEW = "chapters/whats-new.html"


def _when(date: _dt.date) -> _dt.datetime:
    return _dt.datetime(date.year, date.month, date.day, tzinfo=_dt.timezone.utc)


def version_base(entry: VersionEntry, latest: VersionEntry) -> str:
    """Where a version's pages are, relative to the site's root ('' for the latest)."""
    return "" if entry.version == latest.version else f"versions/{entry.version}/"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def summary(entry: VersionEntry) -> str:
    label = conclusions_label(entry)
    if entry.conclusions_changed and entry.which_conclusions:
        label += f": {entry.which_conclusions}"
    return f"What triggered it: {_sentence(entry.trigger)} Conclusions: {_sentence(label)} {entry.summary}"


def feed_xml(entries: Sequence[VersionEntry], title: str, authors: Sequence[str], feed_id: str,
             site_url: Optional[str] = None) -> bytes:
    """The Atom feed of ``entries`` (the versions file, oldest first)."""
    from feedgen.feed import FeedGenerator

    base = (site_url.rstrip("/") + "/") if site_url else ""
    latest = entries[-1]
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(f"{title}: versions")
    for name in authors:
        fg.author({"name": name})
    fg.link(href=f"{base}{FEED_NAME}", rel="self", type="application/atom+xml")
    fg.link(href=f"{base}index.html", rel="alternate", type="text/html")
    fg.subtitle("Every released version of the living review: what triggered it and whether its conclusions changed.")
    fg.language("en")
    fg.updated(_when(latest.date))
    links = {}
    for entry in entries:  # feedgen writes the last added first
        where = base + version_base(entry, latest)
        # The first version is all new: its start page stands for its What's new (which later versions have).
        whats_new = WHATS_NEW if entry.changes.since else "index.html"
        links[entry.version] = [(f"{where}{whats_new}", "alternate", "text/html", "What's new"),
                                (f"{where}{PDF_NAME}", "enclosure", "application/pdf", "PDF")]
        item = fg.add_entry()
        item.id(f"{feed_id.rstrip('/')}/versions/{entry.version}")
        item.title(f"Version {entry.version} ({entry.date.isoformat()}): {conclusions_label(entry)}")
        item.updated(_when(entry.date))
        item.published(_when(entry.date))
        item.summary(summary(entry))
        for href, rel, kind, title_ in links[entry.version]:
            item.link(href=href, rel=rel, type=kind, title=title_)
    return _with_link_attributes(fg.atom_str(pretty=True), links)


def _with_link_attributes(xml: bytes, links: dict[str, list[tuple[str, str, str, str]]]) -> bytes:
    """feedgen 1.0.0 writes an entry's links with their href only (its atom_entry rebinds the name of the link
    it reads from to the element it writes): put back rel, type and title, which readers use to tell What's new
    from the PDF."""
    from lxml import etree

    ns = "{http://www.w3.org/2005/Atom}"
    root = etree.fromstring(xml)
    for element in root.iter(f"{ns}entry"):
        version = element.findtext(f"{ns}id").rstrip("/").rsplit("/", 1)[-1]
        for link, (href, rel, kind, title) in zip(element.findall(f"{ns}link"), links[version]):
            if link.get("href") != href:
                raise ValueError(f"feed: entry {version}: links out of order ({link.get('href')} for {href})")
            link.set("rel", rel)
            link.set("type", kind)
            link.set("title", title)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
