// The drawing's view, shared by the explorer and the quiz page (each page runs this script before its
// own): the pane #graph holds the drawing's layouts (one svg element each: LR, TB), and shows the one it
// shows larger; the shown svg fills the pane and its viewBox is the window onto the drawing, zoomed
// (wheel, pinch, buttons), dragged to pan, fitted ("fit", "whole graph"); the side panel opens and
// closes beside it. makeView(options) wires all of that and returns the view's functions.
"use strict";
/* exported makeView */

// options: pane and side (elements); layouts: [{svg, ...}] (the view adds box and extent to each);
// focus(): the elements "fit" shows readable (in the layout shown); pointerMove(ev): a move while no
// button is down (the explorer's tips); dragStart(): a drag begins.
// The drawing's text is 12 units (the pages' CSS), so a scale of READABLE or more shows it at 9 px or more.
function makeView(options) {
  const {pane, side, layouts} = options;
  const TEXT_UNITS = 12, MIN_TEXT_PX = 9, READABLE = 0.76, FULL = 4 / 3, MAX_SCALE = 4;
  const WIDE = 1100;  // px: from here a side panel (300 px) leaves the drawing enough room
  const view = {scale: 1, cx: 0, cy: 0, mode: "whole"};  // mode: whole (refit on resize) | node | free
  let shownDrawing = "full";
  for (const d of layouts) { const b = d.svg.viewBox.baseVal; d.box = {x: b.x, y: b.y, w: b.width, h: b.height}; }
  // A drawing's extent: Graphviz's viewBox, widened to where the browser can draw text (a text may
  // be a little wider than Graphviz measured it), measured once it is shown.
  function extentOf(d) {
    if (d.extent) return d.extent;
    if (!d.svg.getClientRects().length) return d.box;  // not shown: measured when it is
    const group = d.svg.querySelector("g.graph"), m = group && group.transform.baseVal.consolidate();
    const at = m ? m.matrix : {a: 1, d: 1, e: 0, f: 0};
    let x0 = d.box.x, y0 = d.box.y, x1 = x0 + d.box.w, y1 = y0 + d.box.h;
    for (const t of d.svg.querySelectorAll("text")) {
      // A text the page rewrites reaches at most its room, whatever it holds now.
      const b = t.getBBox(), right = t.$room ? +t.getAttribute("x") + t.$room : b.x + b.width;
      x0 = Math.min(x0, at.a * b.x + at.e); x1 = Math.max(x1, at.a * right + at.e);
      y0 = Math.min(y0, at.d * b.y + at.f); y1 = Math.max(y1, at.d * (b.y + b.height) + at.f);
    }
    d.extent = {x: x0, y: y0, w: x1 - x0, h: y1 - y0};
    return d.extent;
  }
  const layoutsOf = name => layouts.filter(d => (d.svg.dataset.drawing || "full") === name);
  const shown = () => layouts.find(d => !d.svg.classList.contains("off")) || layouts[0];
  const paneSize = () => ({w: Math.max(pane.clientWidth, 1), h: Math.max(pane.clientHeight, 1)});
  function wholeScale(d) {  // the scale that shows all of d, at most the drawing's own size
    const {w, h} = paneSize(), e = extentOf(d);
    return Math.min((w - 2) / e.w, (h - 2) / e.h, FULL);
  }
  // Of the drawing's layouts (LR, TB), show the one the pane shows larger (the first on a tie).
  function chooseLayout() {
    const candidates = layoutsOf(shownDrawing);
    if (candidates.length === 0) return;
    const best = candidates.reduce((a, b) => wholeScale(b) > wholeScale(a) + 1e-9 ? b : a);
    for (const d of layouts) if (d.svg.classList.contains("off") !== (d !== best)) d.svg.classList.toggle("off", d !== best);
  }
  function apply() {
    const d = shown(), {w, h} = paneSize(), vw = w / view.scale, vh = h / view.scale;
    d.svg.setAttribute("viewBox", [view.cx - vw / 2, view.cy - vh / 2, vw, vh].map(v => v.toFixed(2)).join(" "));
    const label = document.getElementById("zoom");
    if (label) label.textContent = Math.round(100 * view.scale / FULL) + "%" + (TEXT_UNITS * view.scale < MIN_TEXT_PX ? " · text too small" : "");
  }
  function showWhole() {  // the entire graph, however small
    chooseLayout();
    const d = shown(), e = extentOf(d);
    Object.assign(view, {scale: wholeScale(d), cx: e.x + e.w / 2, cy: e.y + e.h / 2, mode: "whole"});
    apply();
  }
  // The screen box of an element as drawing units of the shown layout (the current view).
  function unitsBox(el) {
    const a = el.getBoundingClientRect(), b = pane.getBoundingClientRect(), {w, h} = paneSize();
    const x0 = view.cx - w / 2 / view.scale, y0 = view.cy - h / 2 / view.scale;
    return {x: x0 + (a.left - b.left) / view.scale, y: y0 + (a.top - b.top) / view.scale,
            w: a.width / view.scale, h: a.height / view.scale};
  }
  function visibleArea() {  // the pane's screen box, less the side panel where it lies over it
    const b = pane.getBoundingClientRect();
    const over = side && side.getClientRects().length && getComputedStyle(side).position === "absolute";
    return {left: b.left, top: b.top, right: over ? Math.min(b.right, side.getBoundingClientRect().left) : b.right, bottom: b.bottom};
  }
  function centreOn(boxes) {  // drawing-unit boxes into the middle of the visible area
    const b = pane.getBoundingClientRect(), v = visibleArea();
    const x = (Math.min(...boxes.map(u => u.x)) + Math.max(...boxes.map(u => u.x + u.w))) / 2;
    const y = (Math.min(...boxes.map(u => u.y)) + Math.max(...boxes.map(u => u.y + u.h))) / 2;
    view.cx = x - ((v.left + v.right) - (b.left + b.right)) / 2 / view.scale;
    view.cy = y - ((v.top + v.bottom) - (b.top + b.bottom)) / 2 / view.scale;
    // No empty margin beyond the drawing where it is larger than the visible area: more of it instead.
    const e = extentOf(shown()), midX = (b.left + b.right) / 2, midY = (b.top + b.bottom) / 2;
    const left = (v.left - midX) / view.scale, right = (v.right - midX) / view.scale;
    const top = (v.top - midY) / view.scale, bottom = (v.bottom - midY) / view.scale;
    if (e.w >= right - left) view.cx = Math.min(Math.max(view.cx, e.x - left), e.x + e.w - right);
    if (e.h >= bottom - top) view.cy = Math.min(Math.max(view.cy, e.y - top), e.y + e.h - bottom);
  }
  // The elements `elements()` gives (asked once the layout is chosen) at readable size in the
  // middle of the view; the whole graph if it is readable so.
  function fitTo(elements) {
    showWhole();  // the layout that fits best, and a view of it to measure the elements in
    if (view.scale >= READABLE) return;
    const boxes = elements().filter(Boolean).map(unitsBox);
    view.scale = READABLE;
    if (boxes.length) centreOn(boxes);
    view.mode = "node";
    apply();
  }
  const fit = () => fitTo(options.focus);
  // Keep `elements` (of the shown layout) in view: pan (never zoom) when one is outside the pane.
  function reveal(elements) {
    const els = elements.filter(Boolean);
    if (!els.length) return;
    const v = visibleArea(), margin = view.mode === "whole" ? 0 : 8;  // whole: only what is cut off
    const out = els.some(el => { const a = el.getBoundingClientRect();
      return a.left < v.left + margin || a.right > v.right - margin || a.top < v.top + margin || a.bottom > v.bottom - margin; });
    if (!out) return;
    centreOn(els.map(unitsBox));
    if (view.mode === "whole") view.mode = "node";
    apply();
  }
  function zoomAt(factor, clientX, clientY) {  // keep the drawing point under (clientX, clientY) in place
    const b = pane.getBoundingClientRect(), {w, h} = paneSize();
    const px = clientX === undefined ? w / 2 : clientX - b.left, py = clientY === undefined ? h / 2 : clientY - b.top;
    const lowest = Math.min(wholeScale(shown()), READABLE) / 2;
    const scale = Math.max(lowest, Math.min(MAX_SCALE, view.scale * factor));
    const ux = view.cx + (px - w / 2) / view.scale, uy = view.cy + (py - h / 2) / view.scale;
    Object.assign(view, {cx: ux - (px - w / 2) / scale, cy: uy - (py - h / 2) / scale, scale, mode: "free"});
    apply();
  }
  function panBy(dx, dy) {  // in screen px; the drawing keeps at least a corner in the pane
    const {w, h} = paneSize(), e = extentOf(shown()), keep = 40 / view.scale;
    view.cx = Math.max(e.x + keep - w / 2 / view.scale, Math.min(e.x + e.w - keep + w / 2 / view.scale, view.cx - dx / view.scale));
    view.cy = Math.max(e.y + keep - h / 2 / view.scale, Math.min(e.y + e.h - keep + h / 2 / view.scale, view.cy - dy / view.scale));
    view.mode = "free";
    apply();
  }
  pane.addEventListener("wheel", ev => {
    ev.preventDefault();
    const lines = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;  // Firefox counts lines
    zoomAt(Math.exp(-ev.deltaY * lines * (ev.ctrlKey ? 0.01 : 0.0015)), ev.clientX, ev.clientY);  // ctrl: a pinch
  }, {passive: false});
  // Drag with one pointer pans (from 4 px on, so a click stays a click); two (touch) pinch.
  const pointers = new Map();
  let pinch = 0, dragged = false;
  pane.addEventListener("pointerdown", ev => {
    if (ev.button !== 0) return;
    pointers.set(ev.pointerId, {x: ev.clientX, y: ev.clientY, start: {x: ev.clientX, y: ev.clientY}});
    dragged = false;
  });
  pane.addEventListener("pointermove", ev => {
    const was = pointers.get(ev.pointerId);
    if (!was) { if (options.pointerMove) options.pointerMove(ev); return; }
    const now = {x: ev.clientX, y: ev.clientY, start: was.start};
    if (!dragged && Math.hypot(now.x - was.start.x, now.y - was.start.y) < 4) return;
    if (!dragged) {
      dragged = true; pane.setPointerCapture(ev.pointerId); pane.classList.add("dragging");
      if (options.dragStart) options.dragStart();
    }
    if (pointers.size === 1) panBy(now.x - was.x, now.y - was.y);
    pointers.set(ev.pointerId, now);
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()], dist = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch > 0) zoomAt(dist / pinch, (a.x + b.x) / 2, (a.y + b.y) / 2);
      pinch = dist;
    }
  });
  const release = ev => {
    pointers.delete(ev.pointerId); pinch = 0;
    if (pointers.size === 0) pane.classList.remove("dragging");
  };
  pane.addEventListener("pointerup", release);
  pane.addEventListener("pointercancel", release);
  // A drag ends in a click on whatever is under the pointer: not a click on a node.
  pane.addEventListener("click", ev => { if (dragged) { ev.stopPropagation(); ev.preventDefault(); dragged = false; } }, true);
  // Resized (window, side panel, a panel below): a whole view is refitted, any other keeps its centre.
  new window.ResizeObserver(() => { if (view.mode === "whole") showWhole(); else apply(); }).observe(pane);
  // The side panel: body.panel-closed hides it (the pages' CSS place it beside the drawing or over it).
  function setPanel(open) {
    document.body.classList.toggle("panel-closed", !open);
    const button = document.getElementById("panel");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "hide panel ▸" : "◂ panel";
  }
  // Shows drawing `name` (its data-drawing), in whichever of its layouts fits the pane best.
  function showDrawing(name) { shownDrawing = name; showWhole(); }
  // The whole graph (its extents measured with the page's texts), in the layout the window shows larger.
  function start() {
    for (const d of layouts) extentOf(d);
    showWhole();
  }
  const buttons = {
    panel: () => setPanel(document.body.classList.contains("panel-closed")),
    zoomin: () => zoomAt(1.25), zoomout: () => zoomAt(0.8), fit, whole: showWhole,
  };
  for (const [id, action] of Object.entries(buttons)) document.getElementById(id).onclick = action;
  return {
    shown, extentOf, showWhole, showDrawing, fitTo, fit, reveal, zoomAt, panBy, setPanel, start, WIDE,
    drawing: () => shownDrawing,
    state: () => ({scale: view.scale, cx: view.cx, cy: view.cy, mode: view.mode, rankdir: shown().svg.dataset.rankdir}),
  };
}
