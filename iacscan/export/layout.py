"""A deterministic layout for the HTML viewer: nested boxes packed in rows, no randomness.

Force-directed layouts move every box when one resource is added, which makes two reviews
of the same stack look unrelated; a containment tree packed in sorted order does not. Each
container is measured bottom-up (leaves have a fixed size; a container packs its children
in rows no wider than about the square root of their total area, containers before
leaves), then positioned top-down. The internet sits in its own column on the left, so
every flow from it runs left to right into the boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from iacscan.export.containment import PROJECT
from iacscan.export.viewmodel import VERDICT_RANK, View, ViewNode

LEAF_W, LEAF_H = 210, 50
GAP, PAD, TITLE = 18, 14, 26
MARGIN = 30
INTERNET_W, INTERNET_H = 120, 64
ROOT = "\0root:"  # ids of root-module boxes; no node id starts with a NUL


@dataclass(frozen=True)
class Box:
    """Where one node is drawn; ``container`` boxes hold other boxes."""

    id: str
    x: float
    y: float
    w: float
    h: float
    container: bool = False
    root: bool = False  # a root module's box: drawn, but not a node of the view

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    width: float
    height: float


def _rows(
    sizes: list[tuple[str, float, float]], limit: float
) -> list[list[tuple[str, float, float]]]:
    """Shelf packing: left to right, a new row when the next box would pass ``limit``."""
    rows: list[list[tuple[str, float, float]]] = [[]]
    width = 0.0
    for item in sizes:
        if rows[-1] and width + GAP + item[1] > limit:
            rows.append([])
            width = 0.0
        width += (GAP if rows[-1] else 0) + item[1]
        rows[-1].append(item)
    return rows


def _limit(sizes: list[tuple[str, float, float]], stretch: float) -> float:
    area = sum((w + GAP) * (h + GAP) for _, w, h in sizes)
    return max(*(w for _, w, _ in sizes), math.sqrt(area) * stretch)


class _Packer:
    """Measures every subtree once, then places it."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.children = view.children()
        self.sizes: dict[str, tuple[float, float]] = {}
        self.boxes: dict[str, Box] = {}
        self.roots: set[str] = set()

    def group_by_root(self, tops: list[str]) -> list[str]:
        """With several root modules, each root's top-level nodes get a box of their own:
        forty components side by side are unreadable when their resources interleave."""
        groups: dict[str, list[str]] = {}
        for node in tops:
            groups.setdefault(ROOT + root_of(self.view.index[node]), []).append(node)
        if len(groups) < 2:
            return tops
        self.children.update(groups)
        self.roots = set(groups)
        return sorted(groups)

    def ordered(self, nodes: list[str]) -> list[tuple[str, float, float]]:
        """Boxes first, then workloads from the most exposed down, then the rest."""
        items = [(n, *self.measure(n)) for n in nodes]
        return sorted(items, key=lambda item: self.rank(item[0]))

    def rank(self, node: str) -> tuple[bool, int, str]:
        found = self.view.index.get(node)
        verdict = found.verdict if found is not None else None
        return node not in self.children, -VERDICT_RANK.get(verdict or "", -1), node

    def measure(self, node: str) -> tuple[float, float]:
        if node not in self.sizes:
            if node not in self.children:
                self.sizes[node] = (LEAF_W, LEAF_H)
            else:
                items = self.ordered(self.children[node])
                rows = _rows(items, _limit(items, 1.8))
                width = max(sum(w for _, w, _ in row) + GAP * (len(row) - 1) for row in rows)
                height = sum(max(h for _, _, h in row) for row in rows) + GAP * (len(rows) - 1)
                self.sizes[node] = (2 * PAD + width, TITLE + PAD + height)
        return self.sizes[node]

    def place_rows(
        self, items: list[tuple[str, float, float]], limit: float, x0: float, y0: float
    ) -> tuple[float, float]:
        """Place ``items`` in rows from (x0, y0); returns the bottom-right corner used."""
        y, right = y0, x0
        for row in _rows(items, limit):
            x = x0
            for node, w, _ in row:
                self.place(node, x, y)
                x += w + GAP
            right = max(right, x - GAP)
            y += max(h for _, _, h in row) + GAP
        return right, y - GAP

    def place(self, node: str, x: float, y: float) -> None:
        w, h = self.measure(node)
        self.boxes[node] = Box(node, x, y, w, h, node in self.children, node in self.roots)
        if node in self.children:
            items = self.ordered(self.children[node])
            self.place_rows(items, w - 2 * PAD, x + PAD, y + TITLE)


def root_of(node: ViewNode) -> str:
    if node.resource is not None:
        return node.resource.root
    return node.id[len(PROJECT) :] if node.id.startswith(PROJECT) else ""


def layout(view: View) -> Layout:
    """Boxes for every node of ``view``; the same view always gives the same boxes."""
    packer = _Packer(view)
    internet = [n.id for n in view.nodes if n.kind == "internet"]
    tops = packer.group_by_root(
        [
            n.id
            for n in view.nodes
            if n.kind != "internet" and (n.parent is None or n.parent not in view.index)
        ]
    )
    left = MARGIN + (INTERNET_W + 90 if internet else 0)
    right, bottom = float(left), float(MARGIN)
    if tops:
        items = packer.ordered(tops)
        if packer.roots:  # tallest first: rows of similar height leave fewer gaps
            items.sort(key=lambda item: (-item[2], item[0]))
        right, bottom = packer.place_rows(items, max(1400.0, _limit(items, 1.6)), left, MARGIN)
    height = max(bottom + MARGIN, INTERNET_H + 2 * MARGIN)
    for node in internet:
        y = max(MARGIN, (height - INTERNET_H) / 2)
        packer.boxes[node] = Box(node, MARGIN, y, INTERNET_W, INTERNET_H)
    return Layout(packer.boxes, right + MARGIN, height)


def clip(box: Box, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from the box's centre towards a point leaves the box."""
    cx, cy = box.centre
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (box.w / 2) / abs(dx) if dx else math.inf,
        (box.h / 2) / abs(dy) if dy else math.inf,
    )
    return cx + dx * scale, cy + dy * scale
