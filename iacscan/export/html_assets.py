"""The HTML viewer's own stylesheet and script, written for iacscan (no library copied in).

The script only reads the JSON the page embeds and the SVG it draws: select a node (click,
search + Enter, or ``#address`` in the URL), show its facts in the side panel, mark the path
from the internet to it, filter by search, zoom. It never builds markup from data (only
``textContent``), so attribute values cannot inject anything, and the page's
Content-Security-Policy forbids every network request.
"""

from __future__ import annotations

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: #1f2933; display: flex;
  flex-direction: column; height: 100vh; }
header { display: flex; gap: 12px; align-items: center; padding: 8px 14px;
  border-bottom: 1px solid #cbd2d9; background: #f5f7fa; flex-wrap: wrap; }
header h1 { font-size: 15px; margin: 0 8px 0 0; }
#search { width: 260px; padding: 4px 8px; }
.legend { display: flex; gap: 10px; align-items: center; margin-left: auto; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #52606d;
  vertical-align: -2px; margin-right: 3px; }
main { flex: 1; display: flex; min-height: 0; }
#canvas { flex: 1; overflow: auto; background: #fff; }
#panel { width: 380px; overflow: auto; border-left: 1px solid #cbd2d9; padding: 10px 14px;
  background: #fbfcfd; }
#panel h2 { font-size: 14px; word-break: break-all; margin: 4px 0 8px; }
#panel h3 { font-size: 12px; text-transform: uppercase; color: #52606d; margin: 14px 0 4px; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
#panel dt { color: #52606d; }
#panel dd { margin: 0; word-break: break-all; }
#panel ul { margin: 0; padding-left: 16px; }
#panel li { margin: 2px 0; word-break: break-word; }
#panel pre { background: #eef2f6; padding: 6px; overflow: auto; font-size: 11px; }
svg text { font-size: 12px; fill: #1f2933; pointer-events: none; }
.box > rect { fill: #f7f9fc; stroke: #5b7fa6; stroke-width: 1.2; }
.box.t-aws_subnet > rect, .box.t-compose_network > rect { fill: #eef3f9; stroke-dasharray: 5 3; }
.box.t-compose_project > rect { fill: #f4f1fa; stroke: #7b61a6; }
.root-box > rect { fill: #fcfcfd; stroke: #9aa5b1; stroke-dasharray: 2 4; }
.box-title { font-weight: 600; fill: #334e68; }
.node { cursor: pointer; }
.node > rect, .node > polygon { fill: #fff; stroke: #7b8794; stroke-width: 1.2; }
.v-open > rect { fill: #f8d7da; stroke: #c62828; stroke-width: 2; }
.v-restricted > rect { fill: #fde2c4; stroke: #e65100; stroke-width: 2; }
.v-undetermined > rect { fill: #fff3bf; stroke: #b08800; stroke-dasharray: 4 2; }
.v-closed > rect { fill: #e3f1e6; stroke: #2e7d32; }
.internet > polygon { fill: #fdecea; stroke: #c62828; stroke-width: 2; }
.type { fill: #52606d; font-size: 11px; }
.badge { stroke: none; }
.badge-text { fill: #fff; font-size: 10px; font-weight: 700; }
.s-critical .badge { fill: #7f0000; } .s-high .badge { fill: #c62828; }
.s-medium .badge { fill: #ef6c00; } .s-low .badge { fill: #1565c0; }
.s-info .badge { fill: #607080; }
.edge { fill: none; stroke: #9aa5b1; stroke-width: 1; }
.edge.references { stroke: #cbd2d9; stroke-dasharray: 3 3; }
.edge.flows { stroke: #c62828; stroke-width: 1.8; }
.edge.flows.restricted { stroke: #e65100; }
.edge.flows.undetermined { stroke: #b08800; stroke-dasharray: 5 3; }
.edge.on-path { stroke: #6a1b9a; stroke-width: 4; }
.selected > rect, .selected > polygon { stroke: #6a1b9a; stroke-width: 4; }
.node.on-path > rect, .node.on-path > polygon { stroke: #6a1b9a; stroke-width: 3; }
.searching .node:not(.match), .searching .box:not(.match) > rect { opacity: 0.3; }
.match > rect { stroke: #6a1b9a; stroke-width: 3; }
"""

SCRIPT = """
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("iacscan-data").textContent);
  var svg = document.getElementById("graph");
  var panel = document.getElementById("panel");
  var search = document.getElementById("search");
  var byId = {};
  var edges = [];
  var scale = 1;
  svg.querySelectorAll("[data-id]").forEach(function (g) {
    byId[g.getAttribute("data-id")] = g;
  });
  svg.querySelectorAll("path.edge").forEach(function (p) {
    edges[Number(p.getAttribute("data-i"))] = p;
  });

  function add(parent, tag, text) {
    var element = document.createElement(tag);
    if (text !== undefined && text !== null) { element.textContent = String(text); }
    parent.appendChild(element);
    return element;
  }

  function list(title, items) {
    if (!items || !items.length) { return; }
    add(panel, "h3", title);
    var ul = add(panel, "ul");
    items.forEach(function (item) { add(ul, "li", item); });
  }

  function show(node) {
    panel.textContent = "";
    add(panel, "h2", node.label);
    var facts = add(panel, "dl");
    node.facts.forEach(function (pair) {
      add(facts, "dt", pair[0]);
      add(facts, "dd", pair[1]);
    });
    list("Path from the internet", node.pathText);
    list("Findings", node.findings);
    list("Exposure", node.exposure);
    list("Members", node.members);
    if (node.attributes !== null) {
      add(panel, "h3", "Attributes");
      add(panel, "pre", JSON.stringify(node.attributes, null, 2));
    }
  }

  function reveal(element) {
    var canvas = document.getElementById("canvas");
    var box = element.getBoundingClientRect();
    var view = canvas.getBoundingClientRect();
    canvas.scrollLeft += box.left - view.left - (canvas.clientWidth - box.width) / 2;
    canvas.scrollTop += box.top - view.top - (canvas.clientHeight - box.height) / 2;
  }

  function select(id) {
    var node = data.nodes[id];
    if (!node) { return; }
    svg.querySelectorAll(".selected, .on-path").forEach(function (element) {
      element.classList.remove("selected", "on-path");
    });
    byId[id].classList.add("selected");
    node.path.forEach(function (index) {
      var edge = edges[index];
      edge.classList.add("on-path");
      var source = byId[edge.getAttribute("data-s")];
      if (source) { source.classList.add("on-path"); }
    });
    show(node);
  }

  svg.addEventListener("click", function (event) {
    var target = event.target.closest("[data-id]");
    if (target) { select(target.getAttribute("data-id")); }
  });

  search.addEventListener("input", function () {
    var query = search.value.trim().toLowerCase();
    var count = 0;
    Object.keys(byId).forEach(function (id) {
      var hit = query !== "" && id.toLowerCase().indexOf(query) >= 0;
      byId[id].classList.toggle("match", hit);
      if (hit) { count += 1; }
    });
    svg.classList.toggle("searching", query !== "");
    document.getElementById("matches").textContent = query ? count + " found" : "";
  });

  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    var first = svg.querySelector(".node.match, .box.match");
    if (first) {
      select(first.getAttribute("data-id"));
      reveal(first);
    }
  });

  function zoom(factor) {
    scale = factor ? Math.min(4, Math.max(0.1, scale * factor)) : 1;
    svg.setAttribute("width", String(data.width * scale));
    svg.setAttribute("height", String(data.height * scale));
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("zoom-reset").addEventListener("click", function () { zoom(0); });

  if (location.hash.length > 1) {
    var id = decodeURIComponent(location.hash.slice(1));
    select(id);
    if (byId[id]) { reveal(byId[id]); }
  }
})();
"""
