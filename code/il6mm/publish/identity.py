"""The book's look outside its pages, written into the built site: the logo (SVG and PNG), the favicon (PNG and
``favicon.ico`` at the root, which browsers ask for on their own) and the social card (1200 x 630 PNG) that a
shared link shows, with the title, the version and the review's key figure (il6mm.figures.identity draws them).

Each file is written to a temporary name and moved into place, and only when its bytes change, so a build
that changes nothing rewrites nothing.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from ..analysis.meta_analysis import meta_analysis
from ..evidence.records import Evidence
from ..figures import identity, style

#: Where the files go, relative to the site's root.
FOLDER = "_il6mm"
LOGO_SVG, LOGO_PNG, TOUCH_ICON, FAVICON_PNG = "logo.svg", "logo-192.png", "logo-180.png", "favicon-32.png"
SOCIAL_CARD = "social-card.png"
FAVICON_ICO = "favicon.ico"


def _write(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _logo(pixels: int, fmt: str) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    # A fixed salt for the SVG's element ids (otherwise random), so the same logo gives the same bytes.
    with matplotlib.rc_context({"svg.hashsalt": "il6mm-logo"}):
        identity.logo_figure(pixels).savefig(buffer, format=fmt, dpi=style.DPI, transparent=True,
                                             metadata={"Software": None} if fmt == "png" else {"Date": None})
    return buffer.getvalue()


def logo_files() -> dict[str, bytes]:
    """The logo as SVG and in the PNG sizes browsers and phones ask for, and the .ico favicon."""
    from PIL import Image

    files = {LOGO_SVG: _logo(64, "svg"), LOGO_PNG: _logo(192, "png"), TOUCH_ICON: _logo(180, "png"),
             FAVICON_PNG: _logo(32, "png")}
    ico = io.BytesIO()
    with Image.open(io.BytesIO(files[LOGO_PNG])) as image:
        image.save(ico, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    files[FAVICON_ICO] = ico.getvalue()
    return files


def social_card(title: str, version: str, date: str, evidence: Evidence) -> bytes:
    """The social card: the title, the version line and chapter 1's forest plot of progression-free survival."""
    pfs = meta_analysis(evidence.studies, "PFS")
    fig = identity.social_card_figure(title, f"Living review · version {version} · {date}", pfs.effects,
                                      pfs.estimates)
    return style.figure_png(fig)


def write_identity(outdir: Path, title: str, version: str, date: str, evidence: Evidence) -> list[str]:
    """Write every identity file into the site; returns the names rewritten."""
    outdir = Path(outdir)
    # favicon.ico at the root, where browsers look for it; the rest in the site's own folder.
    files = {name if name == FAVICON_ICO else f"{FOLDER}/{name}": data for name, data in logo_files().items()}
    files[f"{FOLDER}/{SOCIAL_CARD}"] = social_card(title, version, date, evidence)
    return [name for name, data in files.items() if _write(outdir / name, data)]
