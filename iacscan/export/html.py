"""A self-contained HTML viewer: one file, an SVG laid out by iacscan, a side panel.

Nothing is fetched: the stylesheet, the script (``html_assets``) and the data are inline,
and a Content-Security-Policy of ``default-src 'none'`` makes the browser refuse any request
the page might still try. The drawing is computed here (``layout``), so the same view gives
the same bytes, and boxes are coloured by exposure verdict with a badge for the highest
finding severity.
"""

from __future__ import annotations

import json
import math
from html import escape

from iacscan.export.html_assets import CSS, SCRIPT
from iacscan.export.html_panel import panel_data, paths_from_internet
from iacscan.export.layout import ROOT, Box, Layout, clip, layout
from iacscan.export.viewmodel import View, ViewEdge, ViewNode

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
MAX_LABEL = 30
SHORT_TYPES = {
    "aws_vpc": "VPC",
    "aws_subnet": "subnet",
    "compose_network": "network",
    "compose_project": "",
}
HEADER = (
    '<header><h1>iacscan graph</h1><input id="search" type="search" '
    'placeholder="Search addresses, Enter selects"><span id="matches"></span>'
    '<button id="zoom-out" type="button">-</button>'
    '<button id="zoom-reset" type="button">1:1</button>'
    '<button id="zoom-in" type="button">+</button>'
)
BADGE = {"critical": "CRIT", "high": "HIGH", "medium": "MED", "low": "LOW", "info": "INFO"}
LEGEND = (
    ("#f8d7da", "open"),
    ("#fde2c4", "restricted"),
    ("#fff3bf", "undetermined"),
    ("#e3f1e6", "closed"),
    ("#ffffff", "not a workload"),
)


def short(text: str, limit: int = MAX_LABEL) -> str:
    """The end of an address is what tells resources apart: cut from the left."""
    return text if len(text) <= limit else "\u2026" + text[-(limit - 1) :]


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _container(box: Box, node: ViewNode) -> str:
    kind = SHORT_TYPES.get(node.type, node.type)
    title = f"{node.label} ({kind})" if kind else node.label
    return (
        f'<g class="box t-{escape(node.type)}" data-id="{escape(node.id)}">'
        f"<title>{escape(node.id)}</title>"
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="8"/>'
        f'<text class="box-title" x="{_n(box.x + 10)}" y="{_n(box.y + 17)}">'
        f"{escape(short(title, int((box.w - 20) / 7)))}</text></g>"
    )


def _root(box: Box) -> str:
    """A root module's box (several roots scanned at once): a frame, not a node."""
    title = "root module " + (box.id[len(ROOT) :] or ".")
    return (
        f'<g class="box root-box"><rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" '
        f'height="{_n(box.h)}" rx="8"/><text class="box-title" x="{_n(box.x + 10)}" '
        f'y="{_n(box.y + 17)}">{escape(short(title, int((box.w - 20) / 7)))}</text></g>'
    )


def _leaf(box: Box, node: ViewNode) -> str:
    classes = ["node", node.kind]
    classes += [f"v-{node.verdict.lower()}"] if node.verdict else []
    classes += [f"s-{node.severity}"] if node.severity else []
    head = (
        f'<g class="{" ".join(classes)}" data-id="{escape(node.id)}" '
        f'transform="translate({_n(box.x)} {_n(box.y)})"><title>{escape(node.id)}</title>'
    )
    if node.kind == "internet":
        w, h = box.w, box.h
        points = (
            f"18,0 {_n(w - 18)},0 {_n(w)},{_n(h / 2)} {_n(w - 18)},{_n(h)} 18,{_n(h)} 0,{_n(h / 2)}"
        )
        text = f'<text x="{_n(w / 2 - 26)}" y="{_n(h / 2 + 4)}">internet</text>'
        return f'{head}<polygon points="{points}"/>{text}</g>'
    kind = node.type + (f" \u00d7{node.count}" if node.count > 1 else "")
    parts = [
        f'{head}<rect width="{_n(box.w)}" height="{_n(box.h)}" rx="6"/>',
        f'<text x="10" y="20">{escape(short(node.label))}</text>',
        f'<text class="type" x="10" y="38">{escape(short(kind, 34))}</text>',
    ]
    if node.severity:
        x = box.w - 44
        parts.append(
            f'<rect class="badge" x="{_n(x)}" y="-8" width="40" height="16" rx="8"/>'
            f'<text class="badge-text" x="{_n(x + 6)}" y="4">{BADGE.get(node.severity, "")}</text>'
        )
    return "".join(parts) + "</g>"


def _edge(index: int, edge: ViewEdge, boxes: dict[str, Box], bend: float) -> str:
    """A quadratic curve bent to the left of its direction, so that A->B and B->A (and
    parallel edges, bent further) stay apart."""
    source, target = boxes[edge.source], boxes[edge.target]
    (x1, y1), (x2, y2) = clip(source, target.centre), clip(target, source.centre)
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    cx, cy = (x1 + x2) / 2 + bend * (y2 - y1) / length, (y1 + y2) / 2 - bend * (x2 - x1) / length
    classes = ["edge", edge.layer, *(v.lower() for v in edge.verdict.split("/") if v)]
    label = edge.attribute if edge.kind in ("reaches", "references") else edge.kind
    curve = f"M{_n(x1)} {_n(y1)} Q{_n(cx)} {_n(cy)} {_n(x2)} {_n(y2)}"
    title = escape(f"{edge.source} > {edge.target}: {label}")
    return (
        f'<path class="{" ".join(classes)}" data-i="{index}" data-s="{escape(edge.source)}" '
        f'data-t="{escape(edge.target)}" d="{curve}" marker-end="url(#arrow)">'
        f"<title>{title}</title></path>"
    )


def _edges(edges: list[ViewEdge], boxes: dict[str, Box]) -> list[str]:
    seen: dict[tuple[str, str], int] = {}
    drawn = []
    for index, edge in enumerate(edges):
        if edge.source == edge.target or edge.source not in boxes or edge.target not in boxes:
            continue
        nth = seen.get((edge.source, edge.target), 0)
        seen[(edge.source, edge.target)] = nth + 1
        drawn.append(_edge(index, edge, boxes, 12.0 + 14.0 * nth))
    return drawn


def svg(view: View, edges: list[ViewEdge], placed: Layout) -> str:
    """Containers (outermost first), then edges, then the nodes on top."""
    w, h = _n(placed.width), _n(placed.height)
    size = f'width="{w}" height="{h}" viewBox="0 0 {w} {h}"'
    parts = [
        f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" {size}>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
        'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0 0 L10 5 L0 10 z" fill="#52606d"/></marker></defs>',
    ]
    containers = sorted(
        (b for b in placed.boxes.values() if b.container), key=lambda b: (b.w * b.h * -1, b.id)
    )
    parts += [_root(box) if box.root else _container(box, view.index[box.id]) for box in containers]
    parts += _edges(edges, placed.boxes)
    parts += [
        _leaf(b, view.index[b.id])
        for b in sorted(placed.boxes.values(), key=lambda b: b.id)
        if not b.container
    ]
    return "\n".join([*parts, "</svg>"])


def _legend() -> str:
    items = "".join(
        f'<span><span class="swatch" style="background:{colour}"></span>{name}</span>'
        for colour, name in LEGEND
    )
    return f'<div class="legend">{items}<span>badge: worst finding</span></div>'


def render(view: View) -> str:
    edges = view.drawn_edges()
    placed = layout(view)
    paths = paths_from_internet(edges)
    nodes = {n.id: panel_data(view, n, edges, paths.get(n.id, [])) for n in view.nodes}
    data = {"width": round(placed.width, 1), "height": round(placed.height, 1), "nodes": nodes}
    embedded = json.dumps(data, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")
    page = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        "<title>iacscan graph</title>",
        f"<style>{CSS}</style></head><body>",
        HEADER,
        _legend(),
        "</header>",
        f'<main><div id="canvas">{svg(view, edges, placed)}</div>',
        '<aside id="panel"><p>Click a node to see its attributes, findings and exposure.</p>'
        "</aside></main>",
        f'<script type="application/json" id="iacscan-data">{embedded}</script>',
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(page) + "\n"
