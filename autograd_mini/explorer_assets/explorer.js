// The explorer page's own script: stepping, narration, editing leaves and "why a topological
// order". The page runs it after two generated parts: the data (a JSON script element, id "data") and
// the op table (OPS and the $py runtime, from autograd_mini/js_codegen.py). Colours come from
// the page's CSS custom properties (--name), which are the drawings' palette.
"use strict";
const SPECIAL = {"inf": Infinity, "-inf": -Infinity, "nan": NaN};
const DATA = JSON.parse(document.getElementById("data").textContent,
  (k, v) => (v && typeof v === "object" && "special" in v) ? SPECIAL[v.special] : v);
const N = DATA.nodes, ROOT = DATA.root, LOSS = DATA.loss, DIGITS = DATA.digits;
// dL/droot, the number backward() is seeded with (explore's grad, editable on the page): every
// seed below is this one.
let seed = DATA.seed;
const NAIVE_LIMIT = 400;

// ---- numbers as Python shows them ----------------------------------------------------
function pyRepr(v) {  // repr(float)
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const [m, es] = v.toExponential().split("e");
  const neg = m[0] === "-", d = m.replace("-", "").replace(".", ""), e = +es;
  let s;
  if (e >= -4 && e < 16) {
    if (e >= 0) s = d.slice(0, e + 1).padEnd(e + 1, "0") + "." + (d.slice(e + 1) || "0");
    else s = "0." + "0".repeat(-e - 1) + d;
  } else {
    s = d[0] + (d.length > 1 ? "." + d.slice(1) : "") + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  return (neg ? "-" : "") + s;
}
function fmtG(v, p) {  // f"{v:.{p}g}", "-0" as "0" (format_number in _drawing.py)
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const [m, es] = Math.abs(v).toExponential(99).split("e");
  const all = m.replace(".", "");
  let e = +es;
  const kept = all.slice(0, p).split("").map(Number), rest = all.slice(p);
  const first = rest.charCodeAt(0) - 48, tail = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && (tail || kept[p - 1] % 2 === 1))) {  // round half to even
    let i = p - 1;
    while (i >= 0 && kept[i] === 9) { kept[i] = 0; i--; }
    if (i < 0) { kept.unshift(1); kept.pop(); e++; } else kept[i]++;
  }
  const ds = kept.join("");
  let s;
  if (e >= -4 && e < p) {
    s = e >= 0 ? ds.slice(0, e + 1) + (ds.length > e + 1 ? "." + ds.slice(e + 1) : "") : "0." + "0".repeat(-e - 1) + ds;
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  } else {
    const frac = ds.slice(1).replace(/0+$/, "");
    s = ds[0] + (frac ? "." + frac : "") + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  return (v < 0 ? "-" : "") + s;
}
const fmt = v => fmtG(v, DIGITS);
const factor = v => { const t = fmt(v); return t.startsWith("-") ? "(" + t + ")" : t; };
const NUMBER = /^\s*[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$/i;
function parseNumber(text) {
  if (!NUMBER.test(text)) return null;
  const t = text.trim().toLowerCase(), sign = t.startsWith("-") ? -1 : 1, body = t.replace(/^[+-]/, "");
  if (body === "inf" || body === "infinity") return sign * Infinity;
  if (body === "nan") return NaN;
  return Number(t);
}

// ---- one op, as the engine's kernel runs it (kernels.py), on the generated table -----------
function runOp(name, xs, isValue) {
  const op = OPS[name];
  try {
    if (op.domain && !op.domain.test(...xs)) throw $py.error("ValueError", op.domain.explanation);
    const out = op.forward(...xs), locals = [];
    for (let i = 0; i < xs.length; i++) {
      if (!isValue[i]) continue;
      const gd = op.gradDomains[i];
      if (gd && !gd.test(...xs)) throw $py.error("ValueError", gd.explanation);
      locals.push(op.derivatives[i](...xs, out));
    }
    return {out, locals};
  } catch (e) {
    if (!e.pyType) throw e;
    const reason = DATA.reasons[e.pyType] || e.message;  // engine._op_error's wording
    const kind = ["ValueError", "ZeroDivisionError", "OverflowError"].includes(e.pyType) ? e.pyType : "ValueError";
    const values = op.names.map((n, i) => n + " = " + pyRepr(xs[i])).join(", ");
    throw $py.error(kind, op.name + ": " + reason + "; got " + values);
  }
}

// ---- the graph's state and its two orders ----------------------------------------------
const FORWARD = N.map((n, i) => i).filter(i => N[i].op);
const BACKWARD = DATA.backward.filter(i => N[i].op);
const LEAVES = N.map((n, i) => i).filter(i => !N[i].op);
let state = {data: N.map(n => n.data), locals: N.map(n => n.locals.slice()), edited: false};

function recompute(changed, value) {
  const data = state.data.slice(), locals = state.locals.slice();
  data[changed] = value;
  for (const z of FORWARD) {
    const xs = N[z].operands.map(o => o[0] === "v" ? data[o[1]] : o[1]);
    const r = runOp(N[z].op, xs, N[z].operands.map(o => o[0] === "v"));
    data[z] = r.out; locals[z] = r.locals;
  }
  return {data, locals, edited: true};
}

// Operand edges of z: [position in Value operands, operand index]
const EDGES = N.map(n => n.operands.filter(o => o[0] === "v").map((o, k) => [k, o[1]]));

const STEPS = [{kind: "start"}]
  .concat(FORWARD.map(i => ({kind: "forward", node: i})))
  .concat([{kind: "seed", node: ROOT}])
  .concat(BACKWARD.map(i => ({kind: "backward", node: i})))
  .concat([{kind: "end"}]);
const FORWARD_STEP = {};
STEPS.forEach((s, k) => { if (s.kind === "forward") FORWARD_STEP[s.node] = k; });

function backwardStep(z, grad, contrib) {  // engine.Value.backward_step on the page's numbers
  const g = grad[z], items = [];
  for (const [k, p] of EDGES[z]) {
    const product = g * state.locals[z][k];
    grad[p] += product;
    if (contrib) contrib[p].push(product);
    items.push({p, g, local: state.locals[z][k], product, now: grad[p]});
  }
  return items;
}
function replay(upto) {
  const grad = N.map(() => 0), contrib = N.map(() => []), stepped = new Set();
  let seeded = false, last = [];
  for (let s = 0; s <= upto; s++) {
    const st = STEPS[s];
    if (st.kind === "seed") { grad[ROOT] = seed; seeded = true; }
    if (st.kind === "backward") { last = backwardStep(st.node, grad, contrib); stepped.add(st.node); }
  }
  return {grad, contrib, seeded, stepped, last};
}

// ---- the drawing: draw_graph's SVG, found by its node titles -----------------------------
// #graph holds one svg element per layout (data-rankdir LR, TB) of each drawing (data-drawing); every
// one is kept up to date, and the view section below shows one of them.
const PAGE_STYLE = getComputedStyle(document.documentElement);
const colour = name => PAGE_STYLE.getPropertyValue("--" + name).trim();
// Graphviz writes a text's colour as fill="#rrggbb": the palette's own spelling.
const BACK_COLOUR = colour("backward"), FORE_COLOUR = colour("forward");
const isBackward = el => el.getAttribute("stroke") === BACK_COLOUR || el.getAttribute("fill") === BACK_COLOUR;
function indexDrawing(svg) {
  const boxes = {}, ops = {}, edges = {}, seed = [];  // seed: the "seed dL/dz" text and its arrow
  let seedText = null;  // the drawing's "seed dL/dz = 2" beside the root
  for (const g of svg.querySelectorAll("g.node")) {
    const t = g.querySelector("title").textContent; let m;
    if (t === "seed") { seed.push(g); seedText = [...g.querySelectorAll("text")].find(e => e.textContent.includes(" = ")) || null; }
    if ((m = /^v(\d+)$/.exec(t))) boxes[+m[1]] = g;
    else if ((m = /^v(\d+)_op$/.exec(t))) ops[+m[1]] = g;
  }
  for (const g of svg.querySelectorAll("g.edge")) {
    const title = g.querySelector("title").textContent, m = /^v(\d+)->v(\d+)_op$/.exec(title);
    if (m) (edges[m[1] + ">" + m[2]] = edges[m[1] + ">" + m[2]] || []).push(g);
    if (/->seed$/.test(title)) seed.push(g);
  }
  const texts = N.map((n, i) => {
    const g = boxes[i]; if (!g) return {};
    const all = [...g.querySelectorAll("text")];
    const data = all.filter(t => !t.getAttribute("fill") && t.getAttribute("font-weight") !== "bold"
                             && t.textContent.startsWith("data ")).pop();
    const grad = all.find(t => t.getAttribute("fill") === BACK_COLOUR);
    return {data: fitted(data, cellWidth(g, data)), grad: fitted(grad, cellWidth(g, grad))};
  });
  const edgeTexts = N.map((n, z) => {
    const seen = {};
    return EDGES[z].map(([, p]) => {
      const key = p + ">" + z, j = seen[key] = (seen[key] || 0) + 1, g = (edges[key] || [])[j - 1];
      if (!g) return {};
      const all = [...g.querySelectorAll("text")], fwd = all.find(t => t.getAttribute("fill") === FORE_COLOUR);
      const bwd = all.find(t => t.getAttribute("fill") === BACK_COLOUR);
      // The backward line and its arrowhead: drawn once z has passed its gradient on.
      const arrow = [...g.querySelectorAll("path, polygon")].filter(isBackward);
      // Graphviz wrote "dL/dx = dL/dz · ∂z/∂x = …" (or, x's gradient being a sum, without "dL/dx = "); the page writes the latter.
      const full = bwd ? bwd.textContent : "", head = full.split(" = ")[0];
      const product = head.includes("·") ? full : full.slice(head.length + 3);
      return {g, arrow, fwd: fitted(fwd, textWidth(fwd)), bwd: fitted(bwd, textWidth(bwd, product))};
    });
  });
  const seedPrefix = seedText ? seedText.textContent.slice(0, seedText.textContent.lastIndexOf(" = ") + 3) : "";
  return {svg, boxes, ops, texts, edgeTexts, seed, seedText: fitted(seedText, textWidth(seedText)), seedPrefix};
}

// ---- text that fits its place ---------------------------------------------------------------
// Graphviz sized each box's cells for the numbers the page ends on; while stepping, or after an
// edit, a text can be longer ("0 so far", more digits). Then the drawing shows a shorter form
// (fitText) and the whole text on hover (#tip).
const MEASURE = document.createElement("canvas").getContext("2d");
function textWidth(el, text) {  // in drawing units: the drawing's text is 12 units (the page's CSS)
  if (!el) return 0;
  MEASURE.font = (el.getAttribute("font-weight") === "bold" ? "bold " : "") + "12px Helvetica, Arial, sans-serif";
  return MEASURE.measureText(text === undefined ? el.textContent : text).width;
}
function cellWidth(g, text) {  // from the text's start to the right border of its table cell
  if (!text) return 0;
  const x = +text.getAttribute("x"), y = +text.getAttribute("y");
  let best = Infinity;
  for (const poly of g.querySelectorAll("polygon")) {
    const pts = poly.getAttribute("points").trim().split(/\s+/).map(p => p.split(",").map(Number));
    const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
    if (Math.min(...xs) <= x && x < Math.max(...xs) && Math.min(...ys) <= y && y <= Math.max(...ys))
      best = Math.min(best, Math.max(...xs) - x - 3);
  }
  return Number.isFinite(best) ? Math.max(best, textWidth(text)) : textWidth(text);
}
const fitted = (el, width) => { if (el) el.$room = width + 0.5; return el; };
// Shorter forms of "a = b = c", in order: without the middle parts, the last part alone, and
// if that is the number `value`, `value` to fewer significant digits (rounded from the number
// itself; never cut: "-1.2…" would read as another number). Any other text is cut, with "…".
function shorterForms(text, value) {
  const parts = text.split(" = "), forms = [];
  for (let k = 1; k < parts.length - 1; k++) forms.push([parts[0]].concat(parts.slice(k + 1)).join(" = "));
  const last = parts[parts.length - 1].replace(/^data /, "");
  forms.push(last);
  if (typeof value === "number" && Number.isFinite(value) && last === fmt(value))
    for (let p = DIGITS - 1; p >= 1; p--) forms.push(fmtG(value, p));
  else for (let n = last.length - 1; n >= 1; n--) forms.push(last.slice(0, n) + "…");
  return forms;
}
// Writes `text` into `el`, or a shorter form if it is wider than el's room; `value`: the number
// the text ends with, if any.
function fitText(el, text, value) {
  if (!el || el.$full === text) return;
  el.$full = text;
  let shown = text;
  if (text && el.$room && textWidth(el, text) > el.$room) {
    const forms = shorterForms(text, value);
    shown = forms.find(form => textWidth(el, form) <= el.$room) || forms[forms.length - 1];
  }
  el.textContent = shown;
  el.$text = shown;
  mark(el, "shortened", shown !== text);
}
const visible = (el, on) => mark(el, "hidden", !on);
// Only what changed is written: a step touches a few values, and SVG text is slow to lay out.
const setText = (el, text) => { if (el && el.$text !== text) { el.textContent = text; el.$text = text; } };
const mark = (el, cls, on) => { if (el && el.classList.contains(cls) !== on) el.classList.toggle(cls, on); };
const drawings = [...document.querySelectorAll("#graph svg")].map(indexDrawing);

// ---- words ------------------------------------------------------------------------------
const INFIX = {"+": "+", "-": "-", "*": "·", "/": "/", "**": "**"};
const nm = i => N[i].name;
function operandText(o, numbers) {
  if (o[0] === "c") return numbers ? factor(o[1]) : fmt(o[1]);
  return numbers ? factor(state.data[o[1]]) : nm(o[1]);
}
function formula(z, numbers) {
  const n = N[z], xs = n.operands.map(o => operandText(o, numbers)), sym = OPS[n.op].symbol;
  if (xs.length === 2 && INFIX[sym]) return xs[0] + " " + INFIX[sym] + " " + xs[1];
  if (n.op === "neg") return "-" + xs[0];
  return n.op + "(" + xs.join(", ") + ")";
}
const dname = i => "d" + LOSS + "/d" + nm(i);
const backwardCall = () => nm(ROOT) + ".backward(" + (seed === 1 ? "" : pyRepr(seed)) + ")";
function gradLine(i, r) {
  if (!r.seeded) return dname(i) + " = ?";
  if (i === ROOT) return dname(i) + " = " + fmt(r.grad[i]) + " (seed)";
  const c = r.contrib[i];
  if (c.length === 0) return dname(i) + " = 0 so far";
  if (c.length === 1) return dname(i) + " = " + fmt(r.grad[i]);
  const terms = c.length > 4 ? "sum of " + c.length + " products" : c.map(factor).join(" + ");
  return dname(i) + " = " + terms + " = " + fmt(r.grad[i]);
}
function passOn(z, items) {
  return nm(z) + " = " + formula(z, false) + ": " + items.map(it =>
    nm(it.p) + ".grad += " + factor(it.g) + " · " + factor(it.local) + " = " + fmt(it.product)
    + (fmt(it.now) !== fmt(it.product) ? " (now " + fmt(it.now) + ")" : "")).join("; ");
}
function narrate(s, r) {
  const st = STEPS[s];
  if (st.kind === "start")
    return "Inputs: " + LEAVES.map(i => nm(i) + " = " + fmt(state.data[i])).join(", ") + ". Step forward (→) to compute the graph.";
  if (st.kind === "forward") {
    const z = st.node;
    const locals = EDGES[z].map(([k, p]) => "∂" + nm(z) + "/∂" + nm(p) + " = " + fmt(state.locals[z][k])).join(", ");
    return nm(z) + " = " + formula(z, false) + " = " + formula(z, true) + " = " + fmt(state.data[z]) + (locals ? "; " + locals : "");
  }
  if (st.kind === "seed") return "Backward: seed " + dname(ROOT) + " = " + fmt(seed) + " at the root; each value then passes its gradient on, in the engine's order.";
  if (st.kind === "backward") return passOn(st.node, r.last);
  return "Done: " + LEAVES.map(i => nm(i) + ".grad = " + fmt(r.grad[i])).join(", ") + " (what " + backwardCall() + " gives).";
}
function stepName(st) {
  if (st.kind === "start") return "inputs";
  if (st.kind === "forward") return nm(st.node) + " = " + formula(st.node, false);
  if (st.kind === "seed") return "seed " + dname(ROOT) + " = " + fmt(seed);
  if (st.kind === "backward") return nm(st.node) + " → " + EDGES[st.node].map(([, p]) => nm(p)).join(", ");
  return "done";
}

// ---- rendering one step ------------------------------------------------------------------
let position = 0;
const orderList = document.getElementById("order");
let listed = -1;  // the step the order list last showed
STEPS.forEach(st => { const li = document.createElement("li"); li.className = st.kind; orderList.appendChild(li); });
function renderOrder(s) {
  const from = listed < 0 ? 0 : Math.min(listed, s), to = listed < 0 ? STEPS.length - 1 : Math.max(listed, s);
  for (let k = from; k <= to; k++) {
    const li = orderList.children[k];
    setText(li, stepName(STEPS[k]));
    mark(li, "here", k === s); mark(li, "done", k < s);
  }
  listed = s;
  orderList.children[s].scrollIntoView({block: "nearest"});
}
// What the drawing shows at one moment: `known(i)` (computed yet), the current values
// (`current`, a Set; `wrong`: those current and wrongly so), `grad(i)` (a value's gradient text,
// null before the backward half starts) and `gradValue(i)` (its number), `wrongGrad` (values
// whose gradient is drawn red), `passed(z)` (the dL/dz that z passed on, null if not yet: its
// edges' backward lines and products), `seeded`, and `active` (the current edges drawn bold).
// Only the shown layout is painted; another is painted when it is shown (chooseLayout).
let lastPicture = null;
function paint(pic) {
  lastPicture = pic;
  for (const d of drawings) {
    d.stale = d.svg.classList.contains("off");
    if (!d.stale) paintDrawing(d, pic);
  }
}
function paintDrawing(d, pic) {
  for (let i = 0; i < N.length; i++) {
    const known = pic.known(i), now = pic.current.has(i), grad = pic.grad(i), passed = pic.passed(i);
    for (const g of [d.boxes[i], d.ops[i]]) {
      mark(g, "pending", !known); mark(g, "current", now); mark(g, "wrong", now && pic.wrong.has(i));
    }
    fitText(d.texts[i].data, "data " + (known ? fmt(state.data[i]) : "?"), state.data[i]);
    visible(d.texts[i].grad, grad !== null);  // a hidden text is also empty, so it takes no room
    fitText(d.texts[i].grad, grad === null ? "" : grad, pic.gradValue(i));
    mark(d.texts[i].grad, "wrong", Boolean(pic.wrongGrad && pic.wrongGrad.has(i)));
    EDGES[i].forEach(([k, p], j) => {
      const et = d.edgeTexts[i][j], local = state.locals[i][k];
      mark(et.g, "active", now && pic.active);
      fitText(et.fwd, "∂" + nm(i) + "/∂" + nm(p) + " = " + (known ? fmt(local) : "?"), local);
      for (const el of (et.arrow || []).concat(et.bwd || [])) visible(el, passed !== null);
      fitText(et.bwd, passed === null ? "" : dname(i) + " · ∂" + nm(i) + "/∂" + nm(p) + " = " + factor(passed) + " · " + factor(local) + " = " + fmt(passed * local), passed * local);
    });
  }
  for (const el of d.seed) visible(el, pic.seeded);
  fitText(d.seedText, d.seedPrefix + fmt(seed), seed);
}
function render() {
  const s = position, st = STEPS[s], r = replay(s);
  const current = (st.kind === "forward" || st.kind === "backward" || st.kind === "seed") ? st.node : -1;
  paint({
    known: i => !N[i].op || FORWARD_STEP[i] <= s,
    current: new Set(current >= 0 ? [current] : []), wrong: new Set(), active: st.kind !== "seed",
    grad: i => r.seeded ? gradLine(i, r) : null, gradValue: i => r.grad[i],
    passed: z => r.stepped.has(z) ? r.grad[z] : null,
    seeded: r.seeded,
  });
  renderOrder(s);
  reveal();
  document.getElementById("narration").textContent = narrate(s, r);
  document.getElementById("position").textContent = "step " + s + " of " + (STEPS.length - 1);
}

// ---- the view: the whole graph at load, zoom (wheel, pinch, buttons), drag to pan, fit -----
// The shown svg element fills #graph; its viewBox is the window onto the drawing: `view.scale` px per
// drawing unit around the centre (cx, cy). The drawing's text is 12 units (the page's CSS), so a
// scale of READABLE or more shows it at 9 px or more.
const pane = document.getElementById("graph");
const TEXT_UNITS = 12, MIN_TEXT_PX = 9, READABLE = 0.76, FULL = 4 / 3, MAX_SCALE = 4;
const view = {scale: 1, cx: 0, cy: 0, mode: "whole"};  // mode: whole (refit on resize) | node | free
let shownDrawing = "full";
// A drawing's extent: Graphviz's viewBox, widened to where the browser can draw text (a text
// may be a little wider than Graphviz measured it), measured once it is shown.
for (const d of drawings) { const b = d.svg.viewBox.baseVal; d.box = {x: b.x, y: b.y, w: b.width, h: b.height}; }
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
const layoutsOf = name => drawings.filter(d => (d.svg.dataset.drawing || "full") === name);
const shown = () => drawings.find(d => !d.svg.classList.contains("off")) || drawings[0];
const paneSize = () => ({w: Math.max(pane.clientWidth, 1), h: Math.max(pane.clientHeight, 1)});
function wholeScale(d) {  // the scale that shows all of d, at most the drawing's own size
  const {w, h} = paneSize();
  const e = extentOf(d);
  return Math.min((w - 2) / e.w, (h - 2) / e.h, FULL);
}
// Of the drawing's layouts (LR, TB), show the one the pane shows larger (the first on a tie).
function chooseLayout() {
  const layouts = layoutsOf(shownDrawing);
  if (layouts.length === 0) return;
  const best = layouts.reduce((a, b) => wholeScale(b) > wholeScale(a) + 1e-9 ? b : a);
  for (const d of drawings) mark(d.svg, "off", d !== best);
  if (best.stale && lastPicture) { paintDrawing(best, lastPicture); best.stale = false; }
}
function apply() {
  const d = shown(), {w, h} = paneSize(), vw = w / view.scale, vh = h / view.scale;
  d.svg.setAttribute("viewBox", [view.cx - vw / 2, view.cy - vh / 2, vw, vh].map(v => v.toFixed(2)).join(" "));
  const px = TEXT_UNITS * view.scale;
  document.getElementById("zoom").textContent = Math.round(100 * view.scale / FULL) + "%"
    + (px < MIN_TEXT_PX ? " · text too small" : "");
}
function showWhole() {  // the entire graph, however small
  chooseLayout();
  const d = shown();
  const e = extentOf(d);
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
const elementsOf = (d, nodes) => nodes.flatMap(i => [d.ops[i], d.boxes[i]]).filter(Boolean);
const currentNodes = () => lastPicture ? [...lastPicture.current] : [];
function visibleArea() {  // the pane's screen box, less the side panel where it lies over it
  const b = pane.getBoundingClientRect(), side = document.getElementById("side");
  const over = side.getClientRects().length && getComputedStyle(side).position === "absolute";
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
// Values `nodes` (indices) at readable size in the middle of the view; the whole graph if it is readable so.
function fitTo(nodes) {
  showWhole();  // the layout that fits best, and a view of it to measure the nodes in
  const d = shown();
  if (view.scale >= READABLE) return;
  const boxes = elementsOf(d, nodes).map(unitsBox);
  view.scale = READABLE;
  if (boxes.length) centreOn(boxes);
  view.mode = "node";
  apply();
}
// Fit around the current step; before the first step around the first op, after the last the root.
function fitView() {
  const nodes = currentNodes();
  fitTo(nodes.length ? nodes : [here() === 0 ? FORWARD[0] : ROOT]);
}
function focusNode(i) { fitTo([i]); }
// Keep the current node(s) in view while stepping: pan (never zoom) when one is outside the pane.
function reveal() {
  const els = elementsOf(shown(), currentNodes());
  if (!els.length) return;
  const v = visibleArea(), margin = 8;
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
  const d = shown(), {w, h} = paneSize(), e = extentOf(d), keep = 40 / view.scale;
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
  if (!was) { tip(ev); return; }
  const now = {x: ev.clientX, y: ev.clientY, start: was.start};
  if (!dragged && Math.hypot(now.x - was.start.x, now.y - was.start.y) < 4) return;
  if (!dragged) { dragged = true; pane.setPointerCapture(ev.pointerId); pane.classList.add("dragging"); tipBox.hidden = true; }
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
// A shortened text shows its whole text on hover.
const tipBox = document.getElementById("tip");
function tip(ev) {
  const el = ev.target && ev.target.closest ? ev.target.closest("text.shortened") : null;
  tipBox.hidden = !el;
  if (!el) return;
  tipBox.textContent = el.$full;
  const b = pane.getBoundingClientRect();
  tipBox.style.left = Math.min(ev.clientX - b.left + 12, b.width - tipBox.offsetWidth - 4) + "px";
  tipBox.style.top = (ev.clientY - b.top + 14) + "px";
}
pane.addEventListener("pointerleave", () => { tipBox.hidden = true; });
// Resized (window, side panel, the why panel): a whole view is refitted, any other keeps its centre.
new window.ResizeObserver(() => { if (view.mode === "whole") showWhole(); else apply(); }).observe(pane);
// The side panel: beside the drawing on wide windows, over it on narrow ones; closed on narrow ones at load.
function setPanel(open) {
  document.body.classList.toggle("panel-closed", !open);
  const button = document.getElementById("panel");
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? "hide panel ▸" : "◂ panel";
}
const WIDE = 1100;  // px: from here the side panel (300 px) leaves the drawing enough room
document.getElementById("panel").onclick = () => setPanel(document.body.classList.contains("panel-closed"));
document.getElementById("zoomin").onclick = () => zoomAt(1.25);
document.getElementById("zoomout").onclick = () => zoomAt(0.8);
document.getElementById("fit").onclick = fitView;
document.getElementById("whole").onclick = showWhole;
// Shows drawing `name` (its data-drawing), in whichever of its layouts fits the pane best.
function showDrawing(name) { shownDrawing = name; showWhole(); }

// ---- why a topological order --------------------------------------------------------------
// One walk after the other: steps 1 to n of the naive recursion (the drawing shows its running,
// finally wrong, gradients), then those of the topological order (backward()'s).
let why = false, whyPosition = 0, traces = null;
function whyTraces() {
  const topo = [], tg = N.map(() => 0); tg[ROOT] = seed;
  for (const z of BACKWARD) topo.push({node: z, items: backwardStep(z, tg, null)});
  const naive = [], ng = N.map(() => 0), passed = {}, consumersLeft = N.map(() => 0);
  for (const z of FORWARD) for (const [, p] of EDGES[z]) consumersLeft[p]++;
  ng[ROOT] = seed;
  const stack = [ROOT];
  let wrong = -1, truncated = false;
  while (stack.length) {
    if (naive.length >= NAIVE_LIMIT) { truncated = true; break; }
    const z = stack.pop();
    if (!N[z].op) continue;
    const again = z in passed, early = !again && consumersLeft[z] > 0;
    if (!again) for (const [, p] of EDGES[z]) consumersLeft[p]--;
    const gz = ng[z], items = backwardStep(z, ng, null);
    if (wrong < 0 && (again || early)) wrong = naive.length;
    naive.push({node: z, g: gz, items, again, early, first: passed[z]});
    if (!again) passed[z] = naive.length;
    for (let j = EDGES[z].length - 1; j >= 0; j--) stack.push(EDGES[z][j][1]);
  }
  return {topo: withGrads(topo), naive, wrong, truncated, naiveGrad: ng, topoGrad: tg};
}
function withGrads(trace) {  // each step's dL/dz as z passed it on
  const g = N.map(() => 0); g[ROOT] = seed;
  for (const step of trace) { step.g = g[step.node]; for (const it of step.items) g[it.p] += it.product; }
  return trace;
}
function runningGrads(trace, upto) {
  const g = N.map(() => 0); g[ROOT] = seed;
  for (let k = 0; k < Math.min(upto, trace.length); k++) for (const it of trace[k].items) g[it.p] += it.product;
  return g;
}
function whyLimit() { return traces.naive.length + traces.topo.length; }
// Where position k is: in which walk, and how many of its steps are done.
function whyPhase(k) {
  const n = traces.naive.length;
  return k <= n ? {walk: "naive", trace: traces.naive, done: k} : {walk: "topo", trace: traces.topo, done: k - n};
}
function whyNote(step) {
  if (step.again) return "  ✗ " + nm(step.node) + " was reached again by another path and passes its gradient on a second time (first at step " + step.first + ")";
  if (step.early) return "  ✗ " + nm(step.node) + " passes its gradient on before all of its consumers have added to it";
  return "";
}
// The drawing at position k: the walk's running gradients, its current step (red if wrong).
function paintWhy(k) {
  const {walk, trace, done} = whyPhase(k), g = runningGrads(trace, done), passed = {};
  for (let t = 0; t < done; t++) passed[trace[t].node] = trace[t].g;
  const step = done > 0 ? trace[done - 1] : null;
  const finishedNaive = walk === "naive" && done === trace.length;
  paint({
    known: () => true,
    current: new Set(step ? [step.node] : []), active: true,
    wrong: new Set(step && walk === "naive" && (step.again || step.early) ? [step.node] : []),
    wrongGrad: new Set(finishedNaive ? N.map((n, i) => i).filter(i => fmt(g[i]) !== fmt(traces.topoGrad[i])) : []),
    grad: i => dname(i) + " = " + fmt(g[i]) + (i === ROOT ? " (seed)" : ""), gradValue: i => g[i],
    passed: z => z in passed ? passed[z] : null,
    seeded: true,
  });
  reveal();
}
function renderWhy() {
  const k = whyPosition, phase = whyPhase(k), n = traces.naive.length;
  const fill = (id, trace, wrong, doneHere, walking) => {
    const list = document.getElementById(id);
    if (list.children.length !== trace.length) {
      list.textContent = "";
      trace.forEach(() => list.appendChild(document.createElement("li")));
    }
    trace.forEach((step, j) => {
      const li = list.children[j];
      li.textContent = passOn(step.node, step.items) + (j === wrong ? whyNote(step) : "");
      li.classList.toggle("later", j >= doneHere); li.classList.toggle("here", walking && j === doneHere - 1);
      li.classList.toggle("wrong", j === wrong);
    });
  };
  const naiveDone = Math.min(k, n), topoDone = Math.max(0, k - n);
  fill("naive", traces.naive, traces.wrong, naiveDone, phase.walk === "naive");
  fill("topo", traces.topo, -1, topoDone, phase.walk === "topo");
  const ng = runningGrads(traces.naive, naiveDone), tg = runningGrads(traces.topo, topoDone);
  const body = document.querySelector("#whytable tbody");
  body.textContent = "";
  for (const i of N.map((n, i) => i)) {
    const tr = document.createElement("tr");
    const cells = [nm(i), fmt(ng[i]), fmt(tg[i]), state.edited ? "—" : fmt(N[i].grad)];
    cells.forEach((c, j) => {
      const td = document.createElement(j === 0 ? "th" : "td");
      td.textContent = c;
      if (j === 1 && k >= n && fmt(ng[i]) !== fmt(traces.topoGrad[i])) td.className = "bad";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const bad = N.map((n, i) => i).filter(i => fmt(traces.naiveGrad[i]) !== fmt(traces.topoGrad[i]));
  let verdict = "";
  if (k >= n) {
    verdict = bad.length
      ? "Naive recursion goes wrong at step " + (traces.wrong + 1) + ": " + bad.map(i => nm(i) + ".grad = " + fmt(traces.naiveGrad[i]) + " instead of " + fmt(traces.topoGrad[i])).join(", ") + "."
      : "Here the naive recursion happens to agree: no value that passes a gradient on is reached by two paths.";
    if (k >= whyLimit()) verdict += " The topological order gives backward()'s numbers.";
    if (traces.truncated) verdict = "The naive recursion took more than " + NAIVE_LIMIT + " steps (it walks every path) and was stopped. " + verdict;
  }
  document.getElementById("verdict").textContent = verdict;
  document.getElementById("position").textContent = "why: step " + k + " of " + whyLimit();
  const step = phase.done > 0 ? phase.trace[phase.done - 1] : null;
  document.getElementById("narration").textContent = k === 0
    ? "Both walks start from the seed " + dname(ROOT) + " = " + fmt(seed) + ": first the naive recursion (" + n + " steps), then the topological order (" + traces.topo.length + ")."
    : (phase.walk === "naive" ? "naive recursion, step " + phase.done + " of " + n + ": " : "topological order, step " + phase.done + " of " + traces.topo.length + ": ")
      + passOn(step.node, step.items) + (phase.walk === "naive" && phase.done - 1 === traces.wrong ? whyNote(step) : "");
  paintWhy(k);
}
function setWhy(on) {
  why = on; traces = on ? whyTraces() : null; whyPosition = 0;
  document.getElementById("whypanel").hidden = !on;
  document.getElementById("why").setAttribute("aria-pressed", String(on));
  document.getElementById("why").textContent = on ? "Back to the step-through" : "Why a topological order?";
  show();
}

// ---- controls ---------------------------------------------------------------------------
function show() { if (why) renderWhy(); else render(); }
function go(k) {
  if (why) whyPosition = Math.max(0, Math.min(whyLimit(), k));
  else position = Math.max(0, Math.min(STEPS.length - 1, k));
  show();
}
const here = () => why ? whyPosition : position;
const last = () => why ? whyLimit() : STEPS.length - 1;
let timer = null;
function play(on) {
  if (timer) { clearInterval(timer); timer = null; }
  if (on) {
    if (here() >= last()) go(0);
    timer = setInterval(() => { go(here() + 1); if (here() >= last()) play(false); }, 700);
  }
  document.getElementById("play").textContent = timer ? "⏸ pause" : "▶ play";
}
document.getElementById("forward").onclick = () => go(here() + 1);
document.getElementById("back").onclick = () => go(here() - 1);
document.getElementById("reset").onclick = () => { play(false); go(0); };
document.getElementById("play").onclick = () => play(!timer);
document.getElementById("why").onclick = () => { play(false); setWhy(!why); };
document.addEventListener("keydown", ev => {
  if (ev.target && ev.target.tagName === "INPUT") return;
  if (ev.key === "ArrowRight") go(here() + 1);
  else if (ev.key === "ArrowLeft") go(here() - 1);
  else if (ev.key === "Home") go(0);
  else if (ev.key === "End") go(last());
  else if (ev.key === " ") play(!timer);
  else return;
  ev.preventDefault();
});

// ---- editing a leaf ---------------------------------------------------------------------
const errorLine = document.getElementById("error");
// A typed number, or null after saying why not (the command line's --at refuses inf and nan too).
function finiteNumber(what, text, input, old) {
  const value = parseNumber(text);
  if (value !== null && Number.isFinite(value)) return value;
  errorLine.textContent = what + ": " + JSON.stringify(text) + (value === null ? " is not a number" : " is not a finite number") + "; kept " + pyRepr(old);
  input.value = pyRepr(old);
  return null;
}
function setLeaf(i, text) {
  const input = inputs[i], old = state.data[i];
  const value = finiteNumber(nm(i), text, input, old);
  if (value === null) return false;
  try {
    state = recompute(i, value);
  } catch (e) {
    if (!e.pyType) throw e;
    errorLine.textContent = e.pyType + ": " + e.message + " (kept " + nm(i) + " = " + pyRepr(old) + ")";
    input.value = pyRepr(old);
    return false;
  }
  errorLine.textContent = "";
  input.value = pyRepr(value);
  if (why) traces = whyTraces();
  show();
  return true;
}
// The seed: only the backward half changes, so nothing is recomputed but the replay.
function setSeed(text) {
  const value = finiteNumber(dname(ROOT) + " (the seed)", text, seedInput, seed);
  if (value === null) return false;
  errorLine.textContent = "";
  seedInput.value = pyRepr(value);
  if (value !== seed) { seed = value; state = {...state, edited: true}; listed = -1; }
  if (why) traces = whyTraces();
  show();
  return true;
}
const inputs = {};
for (const i of LEAVES) {
  const label = document.createElement("label"), swatch = document.createElement("span"), input = document.createElement("input");
  swatch.className = "swatch"; swatch.style.background = N[i].role ? "var(--role-" + N[i].role + ")" : "var(--background)";
  input.value = pyRepr(N[i].data); input.setAttribute("aria-label", nm(i)); input.dataset.node = String(i);
  input.addEventListener("change", () => setLeaf(i, input.value));
  label.appendChild(swatch); label.appendChild(document.createTextNode(nm(i) + (N[i].label ? " (" + N[i].label + ")" : "") + " = "));
  label.appendChild(input);
  document.getElementById("leaves").appendChild(label);
  inputs[i] = input;
}
const seedInput = document.createElement("input");
{
  const label = document.createElement("label"), swatch = document.createElement("span");
  swatch.className = "swatch"; swatch.style.background = "var(--role-output)";
  seedInput.value = pyRepr(seed); seedInput.setAttribute("aria-label", "seed");
  seedInput.addEventListener("change", () => setSeed(seedInput.value));
  label.appendChild(swatch); label.appendChild(document.createTextNode(dname(ROOT) + " (the seed) = "));
  label.appendChild(seedInput);
  document.getElementById("leaves").appendChild(label);
}
document.getElementById("title").textContent = document.title;
// ---- the legend: the roles this graph has -----------------------------------------------------
{
  const roles = new Set(N.map(n => n.role || "intermediate"));
  if (N.some(n => n.operands.some(o => o[0] === "c"))) roles.add("constant");
  for (const el of document.querySelectorAll("#legend [data-role]")) el.hidden = !roles.has(el.dataset.role);
}

// The side panel open on wide windows.
setPanel(window.innerWidth >= WIDE);

// For tests and the curious: the page's own numbers and kernels; the view's controls.
window.explorer = {
  steps: STEPS.length, go, setLeaf, setSeed, setWhy, pyRepr, fmtG, runOp,
  position: () => here(),
  numbers: () => ({data: state.data.slice(), grad: replay(STEPS.length - 1).grad, locals: state.locals.map(l => l.slice())}),
  why: () => traces && {naive: traces.naiveGrad.slice(), topo: traces.topoGrad.slice(), wrong: traces.wrong, steps: traces.naive.length},
  names: N.map(n => n.name),
  fitView, focusNode, showWhole, showDrawing, zoomAt, setPanel,
  view: () => ({scale: view.scale, cx: view.cx, cy: view.cy, mode: view.mode, rankdir: shown().svg.dataset.rankdir}),
};
setWhy(DATA.why === true);
// The whole graph at load (its extents measured with the page's texts), in the layout the window shows larger.
for (const d of drawings) extentOf(d);
showWhole();
