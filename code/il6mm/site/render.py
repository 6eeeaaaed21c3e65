"""myst-nb's renderer, with one addition: an image output may carry its alt text in its output metadata.

myst-nb takes an image's alt text from the cell's metadata (``mystnb: image: alt:``), which is fixed text; a
figure computed from the records (the flow of records, one column per version) needs a description computed
with it. :func:`il6mm.figures.style.figure_image` puts ``alt`` into the output's metadata and this renderer
(``nb_render_plugin: il6mm`` in _config.yml, the entry point ``myst_nb.renderers`` in code/pyproject.toml)
sets it on the image; without it the cell's own alt text, if any, stands.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.core.render import MimeData, NbElementRenderer


class AltTextRenderer(NbElementRenderer):
    def render_image(self, data: MimeData) -> list[nodes.Element]:
        rendered = super().render_image(data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        if alt:
            for node in rendered:
                if isinstance(node, nodes.image):
                    node["alt"] = str(alt)
        return rendered
