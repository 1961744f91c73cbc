// The explorer page's own script: stepping, narration, editing leaves and "why a topological
// order". The page runs it after two generated parts: the data (a JSON script element, id "data") and
// the op table (OPS and the $py runtime, from autograd_mini/js_codegen.py), and after view.js (the
// drawing's zoom, pan, fit and layout choice, shared with the quiz page). Colours come from
// the page's CSS custom properties (--name), which are the drawings' palette.
"use strict";
const SPECIAL = {"inf": Infinity, "-inf": -Infinity, "nan": NaN};
const DATA = JSON.parse(document.getElementById("data").textContent,
  (k, v) => (v && typeof v === "object" && "special" in v) ? SPECIAL[v.special] : v);
const N = DATA.nodes, ROOT = DATA.root, DIGITS = DATA.digits;
// dL/droot, the number backward() is seeded with (explore's grad, editable on the page): every
// seed below is this one.
let seed = DATA.seed;
// The loss's name in dL/dv: the root's while the seed is 1 (the root is the loss), else L, as
// draw_graph names it (dz/dz is always 1, so a seed of 2 means some L with dL/dz = 2).
const lossName = () => seed === 1 ? DATA.loss : DATA.freeLoss;
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
    return {out, locals, strong: strongFlags(op, xs, out, isValue)};
  } catch (e) {
    if (!e.pyType) throw e;
    const reason = DATA.reasons[e.pyType] || e.message;  // engine._op_error's wording
    const kind = ["ValueError", "ZeroDivisionError", "OverflowError"].includes(e.pyType) ? e.pyType : "ValueError";
    const values = op.names.map((n, i) => n + " = " + pyRepr(xs[i])).join(", ");
    throw $py.error(kind, op.name + ": " + reason + "; got " + values);
  }
}

// Which of an op's local derivatives are the table's strong zero (ops.StrongZero): the backward
// pass multiplies them as PyTorch selects, g times it = +0.0 for every g, inf and nan too.
function strongFlags(op, xs, out, isValue) {
  const flags = [];
  for (let i = 0; i < xs.length; i++) if (isValue[i]) flags.push(Boolean(op.strong[i] && op.strong[i](...xs, out)));
  return flags;
}
const operandNumbers = (n, data) => n.operands.map(o => o[0] === "v" ? data[o[1]] : o[1]);
const valueOperands = n => n.operands.map(o => o[0] === "v");

// ---- the graph's state and its two orders ----------------------------------------------
const FORWARD = N.map((n, i) => i).filter(i => N[i].op);
const BACKWARD = DATA.backward.filter(i => N[i].op);
const LEAVES = N.map((n, i) => i).filter(i => !N[i].op);
const START_DATA = N.map(n => n.data);
let state = {
  data: START_DATA, locals: N.map(n => n.locals.slice()), edited: false,
  strong: N.map(n => n.op ? strongFlags(OPS[n.op], operandNumbers(n, START_DATA), n.data, valueOperands(n)) : []),
};

function recompute(changed, value) {
  const data = state.data.slice(), locals = state.locals.slice(), strong = state.strong.slice();
  data[changed] = value;
  for (const z of FORWARD) {
    const r = runOp(N[z].op, operandNumbers(N[z], data), valueOperands(N[z]));
    data[z] = r.out; locals[z] = r.locals; strong[z] = r.strong;
  }
  return {data, locals, strong, edited: true};
}

// Operand edges of z: [position in Value operands, operand index]
const EDGES = N.map(n => n.operands.filter(o => o[0] === "v").map((o, k) => [k, o[1]]));

// ---- the steps: one per op, or one per folded neuron ---------------------------------------
// A neuron (DATA.groups: draw_graph's folded sum Σ wᵢxᵢ + b with its activation, found in Python
// by _folding's rule) is one forward step, at its output, and one backward step, where its output
// passes its gradient on: all of its ops, in the engine's order. Unfolded, it is its ops' steps.
const GROUPS = DATA.groups || [];
const GROUP_OF = N.map(() => -1);
GROUPS.forEach((g, k) => g.nodes.forEach(i => { GROUP_OF[i] = k; }));
const folded = new Set(DATA.fold ? GROUPS.map((g, k) => k) : []);
const STEPS = [], FORWARD_STEP = N.map(() => -1), BACKWARD_STEP = N.map(() => -1);
function halfSteps(kind, order) {
  const steps = [];
  for (const i of order) {
    const g = GROUP_OF[i];
    if (g < 0 || !folded.has(g)) steps.push({kind, node: i, nodes: [i], group: g, folded: false});
    else if (i === GROUPS[g].out) steps.push({kind, node: i, nodes: order.filter(j => GROUP_OF[j] === g), group: g, folded: true});
  }
  return steps;
}
function buildSteps() {
  STEPS.length = 0;
  STEPS.push({kind: "start", nodes: [], group: -1}, ...halfSteps("forward", FORWARD),
    {kind: "seed", node: ROOT, nodes: [], group: -1}, ...halfSteps("backward", BACKWARD), {kind: "end", nodes: [], group: -1});
  FORWARD_STEP.fill(-1); BACKWARD_STEP.fill(-1);
  STEPS.forEach((st, k) => st.nodes.forEach(i => { (st.kind === "forward" ? FORWARD_STEP : BACKWARD_STEP)[i] = k; }));
}
buildSteps();

function backwardStep(z, grad, contrib) {  // engine.Value.backward_step on the page's numbers
  const g = grad[z], items = [];
  for (const [k, p] of EDGES[z]) {
    const product = $py.times(g, state.locals[z][k], state.strong[z][k]);
    grad[p] += product;
    if (contrib) contrib[p].push(product);
    items.push({p, g, local: state.locals[z][k], product, now: grad[p]});
  }
  return items;
}
// The gradients after step `upto`: the ops stepped so far pass their gradients on in the engine's
// order (BACKWARD), whatever order the steps took them in, so every sum adds the same terms in the
// same order as backward() and each number is the engine's bit for bit. (The steps are a valid
// order: an op is stepped only after every op that consumes it.)
function replay(upto) {
  const grad = N.map(() => 0), contrib = N.map(() => []), stepped = new Set();
  let seeded = false;
  for (let s = 0; s <= upto; s++) {
    if (STEPS[s].kind === "seed") seeded = true;
    if (STEPS[s].kind === "backward") STEPS[s].nodes.forEach(i => stepped.add(i));
  }
  if (seeded) grad[ROOT] = seed;
  const mine = STEPS[upto].kind === "backward" ? new Set(STEPS[upto].nodes) : new Set();
  let last = [];
  for (const z of BACKWARD) {
    if (!stepped.has(z)) continue;
    const items = backwardStep(z, grad, contrib);
    if (mine.has(z)) last = last.concat(items);
  }
  const final = {};
  last.forEach((it, k) => { final[it.p] = k; });
  last.forEach((it, k) => { if (final[it.p] === k) it.now = grad[it.p]; });  // after the whole step
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
// The op-level drawing's layouts (the folded drawing, data-drawing="folded", is indexed by its own section).
const drawings = [...document.querySelectorAll('#graph svg:not([data-drawing="folded"])')].map(indexDrawing);
const seedPrefix = drawings.length ? drawings[0].seedPrefix : "";

// ---- words ------------------------------------------------------------------------------
// The drawing's texts use the full names (as its boxes do). Narration and the order list are
// pieces: text, or a value's short name {text: "L1.N2.b", title: "layers.1.neurons.2.b"} that
// shows the full name on hover (both names come from Python: naming.short_names).
const INFIX = {"+": "+", "-": "-", "*": "·", "/": "/", "**": "**"};
const PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3};
const nm = i => N[i].name;
const nameP = i => ({text: N[i].short || N[i].name, title: N[i].name});
const plain = pieces => [pieces].flat(Infinity).map(p => typeof p === "string" ? p : p.text).join("");
const fullText = pieces => [pieces].flat(Infinity).map(p => typeof p === "string" ? p : p.title).join("");
const joinP = (list, sep) => list.flatMap((x, k) => k ? [sep, x] : [x]);
function fillPieces(el, pieces) {
  el.textContent = "";
  for (const p of [pieces].flat(Infinity)) {
    if (typeof p === "string") { el.appendChild(document.createTextNode(p)); continue; }
    const span = document.createElement("span");
    span.className = "name"; span.textContent = p.text;
    if (p.title !== p.text) span.title = p.title;
    el.appendChild(span);
  }
}
// A number between operators in parentheses when negative (2 · (-3)), bare as a call's argument.
function operandText(o, numbers, infix) {
  const number = infix ? factor : fmt;
  if (o[0] === "c") return number(o[1]);
  return numbers ? number(state.data[o[1]]) : nameP(o[1]);
}
// z's formula; the operands in `inside` written out as their own formulas (a folded neuron's sum)
function formulaP(z, numbers, inside) {
  const n = N[z], sym = OPS[n.op].symbol, infix = n.operands.length === 2 && INFIX[sym] || n.op === "neg";
  const xs = n.operands.map(o => inside && o[0] === "v" && inside.has(o[1])
    ? formulaP(o[1], numbers, inside) : {pieces: [operandText(o, numbers, infix)], precedence: 9});
  const wrap = (x, tight) => tight ? ["(", x.pieces, ")"] : x.pieces;
  if (xs.length === 2 && INFIX[sym]) {
    const p = PRECEDENCE[sym];
    return {pieces: [wrap(xs[0], xs[0].precedence < p || (p === 3 && xs[0].precedence === 3)), " " + INFIX[sym] + " ",
      wrap(xs[1], xs[1].precedence <= p)], precedence: p};
  }
  if (n.op === "neg") return {pieces: ["-", wrap(xs[0], xs[0].precedence < 9)], precedence: 2};
  return {pieces: [n.op + "(", joinP(xs.map(x => x.pieces), ", "), ")"], precedence: 9};
}
const formula = (z, numbers) => formulaP(z, numbers, null).pieces;
const dname = i => "d" + lossName() + "/d" + nm(i);
const dnameP = i => ["d" + lossName() + "/d", nameP(i)];
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
const addedP = it => [nameP(it.p), ".grad += " + factor(it.g) + " · " + factor(it.local) + " = " + fmt(it.product)
  + (fmt(it.now) !== fmt(it.product) ? " (now " + fmt(it.now) + ")" : "")];
const passOnP = (z, items) => [nameP(z), " = ", formula(z, false), ": ", joinP(items.map(addedP), "; ")];
const passOn = (z, items) => plain(passOnP(z, items));
const group = st => GROUPS[st.group];
const activated = g => g.out !== g.top;  // the neuron's sum feeds an activation op (tanh, relu, ...)
// A folded neuron, forward: "L1.N2: t57 = tanh(L1.N2.w0 · t12 + L1.N2.b + ...) = tanh(-1.46) = -0.898"
function neuronForward(st) {
  const g = group(st), inside = new Set(g.nodes.filter(i => i !== g.out));
  return [g.name + ": ", nameP(g.out), " = ", formulaP(g.out, false, inside).pieces,
    activated(g) ? [" = ", formula(g.out, true)] : [], " = " + fmt(state.data[g.out])];
}
// ... backward: "L1.N2: dL/dt57 = 0.3 → dL/dt50 = 0.3 · 0.19 = 0.057; L1.N2.w0.grad += 0.057 · 0.76 = ..."
function neuronBackward(st, r) {
  const g = group(st), k = st.group, outside = r.last.filter(it => GROUP_OF[it.p] !== k);
  const through = activated(g) ? [" → ", dnameP(g.top), " = " + factor(r.grad[g.out]) + " · " + factor(state.locals[g.out][0]) + " = " + fmt(r.grad[g.top])] : [];
  return [g.name + ": ", dnameP(g.out), " = " + fmt(r.grad[g.out]), through, "; ", joinP(outside.map(addedP), "; ")];
}
// Every leaf, or, when there are many, the inputs and a count of the parameters ("41 parameters" + counted)
function leavesP(value, counted) {
  const many = LEAVES.length > 8, shown = LEAVES.filter(i => !many || N[i].role !== "parameter");
  const rest = LEAVES.length - shown.length;
  return [joinP(shown.map(i => [nameP(i), value(i)]), ", "), rest ? (shown.length ? " and " : "") + rest + " parameters" + counted : ""];
}
function narrate(s, r) {
  const st = STEPS[s];
  if (st.kind === "start")
    return [LEAVES.some(i => N[i].role !== "parameter") ? "Inputs: " : "Leaves: ", leavesP(i => " = " + fmt(state.data[i]), ""), ". Step forward (→) to compute the graph."];
  if (st.kind === "forward") {
    if (st.folded) return neuronForward(st);
    const z = st.node;
    const locals = joinP(EDGES[z].map(([k, p]) => ["∂", nameP(z), "/∂", nameP(p), " = " + fmt(state.locals[z][k])]), ", ");
    return [nameP(z), " = ", formula(z, false), " = ", formula(z, true), " = " + fmt(state.data[z]), locals.length ? ["; ", locals] : []];
  }
  if (st.kind === "seed") return ["Backward: seed ", dnameP(ROOT), " = " + fmt(seed) + " at the root; each value then passes its gradient on, in the engine's order."];
  if (st.kind === "backward") return st.folded ? neuronBackward(st, r) : passOnP(st.node, r.last);
  return ["Done: ", leavesP(i => ".grad = " + fmt(r.grad[i]), "' gradients in the drawing"), " (what " + backwardCall() + " gives)."];
}
function stepName(st) {
  if (st.kind === "start") return ["inputs"];
  if (st.kind === "seed") return ["seed ", dnameP(ROOT), " = " + fmt(seed)];
  if (st.kind === "end") return ["done"];
  if (st.folded) {
    const g = group(st), sum = g.formula, shown = activated(g) ? N[g.out].op + "(" + sum + ")" : sum;
    if (st.kind === "forward") return [g.name + ": ", nameP(g.out), " = " + shown];
    const own = i => N[i].short.startsWith(g.name + ".") ? {text: N[i].short.slice(g.name.length + 1), title: N[i].name} : nameP(i);
    const gets = [...new Set(st.nodes.flatMap(z => EDGES[z].map(([, p]) => p)))].filter(p => GROUP_OF[p] !== st.group);
    // its own parameters first, as its rows are drawn (w0, w1, ..., b), then its inputs
    const row = i => {
      if (!N[i].short.startsWith(g.name + ".")) return [2, i];
      const m = /^w(\d+)$/.exec(own(i).text);
      return m ? [0, +m[1]] : [1, i];
    };
    gets.sort((a, b) => { const x = row(a), y = row(b); return x[0] - y[0] || x[1] - y[1]; });
    return [g.name + ": ", nameP(g.out), " → ", joinP(gets.map(own), ", ")];
  }
  if (st.kind === "forward") return [nameP(st.node), " = ", formula(st.node, false)];
  return [nameP(st.node), " → ", joinP(EDGES[st.node].map(([, p]) => nameP(p)), ", ")];
}

// ---- the folded drawing: draw_graph(fold=True)'s, shown while every neuron is folded ----------
// Its boxes are v0, v1, ... in its own order (DATA.foldedIds: the value each one draws); a neuron
// is one table (its op, v<top>_op) with a row per parameter: name, data, ∂top/∂p, dL/dp.
const foldedSvg = document.querySelector('#graph svg[data-drawing="folded"]');
const FD = {boxes: {}, ops: {}, texts: {}, rows: [], edges: [], seedText: null};
const NAME_INDEX = {};
N.forEach((n, i) => { NAME_INDEX[n.name] = i; });
const coloured = (all, c) => all.find(t => t.getAttribute("fill") === c);
if (foldedSvg) {
  const ids = DATA.foldedIds;
  for (const g of foldedSvg.querySelectorAll("g.node")) {
    const t = g.querySelector("title").textContent; let m;
    if (t === "seed") FD.seedText = [...g.querySelectorAll("text")].find(e => e.textContent.includes(" = ")) || null;
    if ((m = /^v(\d+)$/.exec(t))) FD.boxes[ids[+m[1]]] = g;
    else if ((m = /^v(\d+)_op$/.exec(t))) FD.ops[ids[+m[1]]] = g;
  }
  for (const [i, g] of Object.entries(FD.boxes)) {
    const all = [...g.querySelectorAll("text")];
    FD.texts[i] = {data: all.filter(t => !t.getAttribute("fill") && t.getAttribute("font-weight") !== "bold"
      && t.textContent.startsWith("data ")).pop(), grad: coloured(all, BACK_COLOUR)};
  }
  GROUPS.forEach((grp, k) => {  // the rows of each neuron's table, by their parameter's name
    const table = FD.ops[grp.top];
    if (!table) return;
    let row = null;
    for (const t of [...table.querySelectorAll("text")].slice(2)) {  // after "Σ wᵢxᵢ + b" and its path
      if (t.getAttribute("font-weight") === "bold") {
        row = {group: k, name: t.textContent, p: NAME_INDEX[grp.path + "." + t.textContent]};
        if (row.p !== undefined) FD.rows.push(row); else row = null;
      } else if (row && t.textContent.startsWith("data ")) row.data = t;
      else if (row && t.getAttribute("fill") === FORE_COLOUR) row.fwd = t;
      else if (row && t.getAttribute("fill") === BACK_COLOUR) row.bwd = t;
    }
  });
  const seen = {};
  for (const g of foldedSvg.querySelectorAll("g.edge")) {
    const m = /^v(\d+)->v(\d+)_op(:.*)?$/.exec(g.querySelector("title").textContent);
    if (!m) continue;
    const p = ids[+m[1]], z = ids[+m[2]], key = p + ">" + z, all = [...g.querySelectorAll("text")];
    seen[key] = (seen[key] || 0) + 1;
    FD.edges.push({g, p, z, nth: seen[key] - 1, fwd: coloured(all, FORE_COLOUR), bwd: coloured(all, BACK_COLOUR)});
  }
}
const foldedShown = () => foldedSvg !== null && folded.size === GROUPS.length;
// Its gradients, backward lines and seed: not drawn before the backward half starts.
const FOLDED_BACKWARD = foldedSvg ? [...foldedSvg.querySelectorAll("text, path, polygon")].filter(isBackward) : [];
function syncDrawing() {  // the folded drawing while every neuron is folded, else the op-level one
  if (!foldedSvg) return;
  const name = foldedShown() ? "folded" : "full";
  if (name !== V.drawing()) { showDrawing(name); fitView(); }
}
// ∂top/∂x of a neuron's sum for each input x: the chain rule through its hidden nodes, as
// _folding._add_chain_rule computes it (same products and sums, so the same numbers).
function foldedLocals(k) {
  const g = GROUPS[k], members = g.nodes.filter(i => i !== g.out || !activated(g));
  const inside = new Set(members), adjoint = {[g.top]: 1}, inputs = new Map();
  for (let j = members.length - 1; j >= 0; j--) {
    const m = members[j], up = adjoint[m] || 0;
    for (const [kk, p] of EDGES[m]) {
      const d = up * state.locals[m][kk];
      if (inside.has(p)) adjoint[p] = (adjoint[p] || 0) + d; else inputs.set(p, (inputs.get(p) || 0) + d);
    }
  }
  return inputs;
}
function renderFoldedDrawing(s, r, current) {
  const tops = {};
  GROUPS.forEach((g, k) => { tops[g.top] = k; });
  const locals = GROUPS.map((g, k) => foldedLocals(k));
  const known = i => !N[i].op || FORWARD_STEP[i] <= s;
  for (const i of Object.keys(FD.boxes).map(Number)) {
    mark(FD.boxes[i], "pending", !known(i)); mark(FD.boxes[i], "current", current.has(i));
    setText(FD.texts[i].data, "data " + (known(i) ? fmt(state.data[i]) : "?"));
    setText(FD.texts[i].grad, gradLine(i, r));
  }
  for (const i of Object.keys(FD.ops).map(Number)) { mark(FD.ops[i], "pending", !known(i)); mark(FD.ops[i], "current", current.has(i)); }
  for (const e of FD.edges) {
    const k = tops[e.z], z = e.z, stepped = r.stepped.has(z);
    const local = k !== undefined ? locals[k].get(e.p) : state.locals[z][EDGES[z].filter(([, p]) => p === e.p)[e.nth][0]];
    mark(e.g, "active", current.has(z) && STEPS[s].kind !== "seed");
    setText(e.fwd, "∂" + nm(z) + "/∂" + nm(e.p) + " = " + (known(z) ? fmt(local) : "?"));
    setText(e.bwd, stepped ? dname(z) + " · ∂" + nm(z) + "/∂" + nm(e.p) + " = " + factor(r.grad[z]) + " · " + factor(local) + " = " + fmt(r.grad[z] * local) : "");
  }
  for (const row of FD.rows) {
    const top = GROUPS[row.group].top, local = locals[row.group].get(row.p), product = r.grad[top] * local;
    const more = fmt(r.grad[row.p]) !== fmt(product) ? " (grad " + fmt(r.grad[row.p]) + ": more not drawn)" : "";
    setText(row.data, "data " + fmt(state.data[row.p]));
    setText(row.fwd, "∂" + nm(top) + "/∂" + row.name + " = " + (known(top) ? fmt(local) : "?"));
    setText(row.bwd, r.stepped.has(top) ? "d" + lossName() + "/d" + row.name + " = " + factor(r.grad[top]) + " · " + factor(local) + " = " + fmt(product) + more : "");
  }
  setText(FD.seedText, seedPrefix + fmt(seed));
}
// The element of value i in the drawing shown: its op, else its box.
const shownElement = i => foldedShown() ? FD.ops[i] || FD.boxes[i] || null
  : (N[i].op ? shown().ops[i] : shown().boxes[i]) || null;

// ---- rendering one step ------------------------------------------------------------------
let position = 0;
const orderList = document.getElementById("order");
let listed = -1;  // the step the order list last showed
// One entry per step; a neuron's entries carry a button that unfolds it (or folds it again).
function buildOrder() {
  orderList.textContent = "";
  const seen = new Set();
  STEPS.forEach((st, k) => {
    const li = document.createElement("li");
    li.className = st.kind + (st.folded ? " folded" : "");
    li.dataset.step = String(k);
    const key = st.kind + st.group;
    if (st.group >= 0 && !seen.has(key)) {  // a folded neuron, or the first step of an unfolded one
      seen.add(key);
      const button = document.createElement("button");
      button.className = "fold"; button.dataset.group = String(st.group);
      button.textContent = st.folded ? "+" : "−";
      button.title = (st.folded ? "unfold " : "fold ") + GROUPS[st.group].name + " (" + GROUPS[st.group].path + ")"
        + (st.folded ? "; or click its entry when it is the current step" : "");
      li.appendChild(button);
    }
    li.appendChild(document.createElement("span"));
    orderList.appendChild(li);
  });
  listed = -1;
}
buildOrder();
function renderOrder(s) {
  const from = listed < 0 ? 0 : Math.min(listed, s), to = listed < 0 ? STEPS.length - 1 : Math.max(listed, s);
  for (let k = from; k <= to; k++) {
    const li = orderList.children[k], name = stepName(STEPS[k]);
    setText(li.lastChild, plain(name));
    const title = fullText(name);
    if (li.title !== title) li.title = title;
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
// Every layout of the op-level drawing is painted (hidden ones too: the folded drawing's section
// and the tests read them).
let lastPicture = null;
function paint(pic) {
  lastPicture = pic;
  for (const d of drawings) paintDrawing(d, pic);
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
  const current = new Set(st.kind === "seed" ? [ROOT] : st.nodes);  // a folded neuron: all its ops
  const focus = st.folded ? GROUPS[st.group].top : st.node;  // a folded neuron: its sum (its table)
  paint({
    known: i => !N[i].op || FORWARD_STEP[i] <= s,
    current, wrong: new Set(), active: st.kind !== "seed",
    grad: i => r.seeded ? gradLine(i, r) : null, gradValue: i => r.grad[i],
    passed: z => r.stepped.has(z) ? r.grad[z] : null,
    seeded: r.seeded, focus: focus === undefined ? [] : [focus],
  });
  if (foldedShown()) renderFoldedDrawing(s, r, current);
  for (const el of FOLDED_BACKWARD) visible(el, r.seeded);  // its backward half, once it starts
  renderOrder(s);
  reveal();
  fillPieces(document.getElementById("narration"), narrate(s, r));
  document.getElementById("position").textContent = "step " + s + " of " + (STEPS.length - 1);
}

// ---- the view (view.js): the whole graph at load, zoom, drag to pan, fit, the side panel -----
// Every layout of every drawing: the op-level one's (painted here) and the folded one's.
const layouts = drawings.concat([...document.querySelectorAll('#graph svg[data-drawing="folded"]')].map(svg => ({svg})));
const V = makeView({
  pane: document.getElementById("graph"), side: document.getElementById("side"), layouts,
  focus: () => elementsOf(fitNodes()),
  pointerMove: ev => tip(ev), dragStart: () => { tipBox.hidden = true; },
});
const shown = V.shown;
// The drawn elements of values `nodes` in the layout shown (the folded drawing: a neuron's table).
const elementsOf = nodes => nodes.flatMap(i => foldedShown() ? [shownElement(i)] : [shown().ops[i], shown().boxes[i]]).filter(Boolean);
const currentNodes = () => lastPicture ? lastPicture.focus || [...lastPicture.current] : [];
// "fit" shows the current step; before the first step the first op, after the last the root.
const fitNodes = () => { const nodes = currentNodes(); return nodes.length ? nodes : [here() === 0 ? FORWARD[0] : ROOT]; };
const fitView = () => V.fit();
const focusNode = i => V.fitTo(() => elementsOf([i]));
// Keep the current node(s) in view while stepping: pan (never zoom) when one is outside the pane.
const reveal = () => V.reveal(elementsOf(currentNodes()));
// A shortened text shows its whole text on hover.
const pane = document.getElementById("graph"), tipBox = document.getElementById("tip");
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
const {showWhole, showDrawing, zoomAt, setPanel} = V;

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
    seeded: true, focus: step ? [step.node] : [],
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
  if (foldedSvg && on) showDrawing("full");  // the walks are drawn op by op
  why = on; traces = on ? whyTraces() : null; whyPosition = 0;
  document.getElementById("whypanel").hidden = !on;
  document.getElementById("why").setAttribute("aria-pressed", String(on));
  document.getElementById("why").textContent = on ? "Back to the step-through" : "Why a topological order?";
  if (!on) syncDrawing();  // back to the folded drawing if every neuron is folded
  show();
}

// ---- jumps and folding --------------------------------------------------------------------
const seedStep = () => STEPS.findIndex(st => st.kind === "seed");
const givesParameter = st => st.kind === "backward" && st.nodes.some(z => EDGES[z].some(([, p]) => N[p].role === "parameter"));
// The next backward step that adds to a parameter's gradient (from the forward half: the first).
function nextParameter(from) {
  for (let k = Math.max(from + 1, seedStep() + 1); k < STEPS.length; k++) if (givesParameter(STEPS[k])) return k;
  return from;
}
const JUMPS = {
  "end-forward": () => seedStep() - 1,
  "start-backward": () => seedStep(),
  "next-parameter": () => nextParameter(position),
};
function jump(name) {
  if (why) setWhy(false);
  go(JUMPS[name]());
}
// Fold or unfold neurons (`change` edits the set `folded`), staying at the same point of the walk:
// the first step, in the same half, that holds one of the current step's values.
function refold(change) {
  const st = STEPS[position];
  change();
  buildSteps(); buildOrder();
  let k = STEPS.findIndex(t => t.kind === st.kind && t.nodes.some(i => st.nodes.includes(i)));
  if (k < 0) k = STEPS.findIndex(t => t.kind === st.kind);
  position = k;
  syncFoldButton();
  syncDrawing();
  show();
}
const toggleGroup = g => refold(() => { if (folded.has(g)) folded.delete(g); else folded.add(g); });
const foldAll = on => refold(() => { folded.clear(); if (on) GROUPS.forEach((g, k) => folded.add(k)); });
function syncFoldButton() {
  const button = document.getElementById("fold");
  button.hidden = GROUPS.length === 0;
  const all = folded.size === GROUPS.length;
  button.textContent = all ? "unfold neurons" : "fold neurons";
  button.setAttribute("aria-pressed", String(folded.size > 0));
}
// The step of value i in the half being shown: its own step, or for a leaf the first op that
// reads it (forward) or the last that adds to its gradient (backward).
function stepOf(i) {
  const backward = position >= seedStep(), own = (backward ? BACKWARD_STEP : FORWARD_STEP)[i];
  if (own >= 0) return own;
  const readers = FORWARD.filter(z => EDGES[z].some(([, p]) => p === i)).map(z => (backward ? BACKWARD_STEP : FORWARD_STEP)[z]);
  if (!readers.length) return position;
  return backward ? Math.max(...readers) : Math.min(...readers);
}
// A click on a drawn value or op jumps to its step, unfolding its neuron first.
function clickNode(i) {
  if (why) setWhy(false);
  const g = GROUP_OF[i];
  if (g >= 0 && folded.has(g)) refold(() => folded.delete(g));
  go(stepOf(i));
}
const drawn = drawings.flatMap(d => [d.boxes, d.ops]).concat([FD.boxes, FD.ops]).flatMap(elements => Object.entries(elements));
for (const [table, i] of drawn.map(([i, g]) => [g, +i])) {
  table.classList.add("jump");
  table.addEventListener("click", () => clickNode(i));
}
// An entry jumps to its step; a click on the current step of a folded neuron unfolds it.
orderList.addEventListener("click", ev => {
  const button = ev.target.closest("button.fold"), li = ev.target.closest("li");
  if (button) toggleGroup(+button.dataset.group);
  else if (li) {
    if (why) setWhy(false);
    const k = +li.dataset.step;
    if (k === position && STEPS[k].folded) toggleGroup(STEPS[k].group); else go(k);
  }
});

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
for (const name of Object.keys(JUMPS)) document.getElementById(name).onclick = () => jump(name);
document.getElementById("fold").onclick = () => foldAll(folded.size < GROUPS.length);
syncFoldButton();
syncDrawing();
// The keys are in each button's title: e, b, p for the jumps, u for fold / unfold all.
const JUMP_KEYS = {"e": "end-forward", "b": "start-backward", "p": "next-parameter"};
document.addEventListener("keydown", ev => {
  if (ev.target && ev.target.tagName === "INPUT") return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === "ArrowRight") go(here() + 1);
  else if (ev.key === "ArrowLeft") go(here() - 1);
  else if (ev.key === "Home") go(0);
  else if (ev.key === "End") go(last());
  else if (ev.key === " ") play(!timer);
  else if (JUMP_KEYS[ev.key]) jump(JUMP_KEYS[ev.key]);
  else if (ev.key === "u" && GROUPS.length) foldAll(folded.size < GROUPS.length);
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
setPanel(window.innerWidth >= V.WIDE);

// For tests and the curious: the page's own numbers and kernels; the view's controls.
window.explorer = {
  get steps() { return STEPS.length; },
  go, setLeaf, setSeed, setWhy, pyRepr, fmtG, runOp, jump, foldAll, toggleGroup, clickNode,
  position: () => here(),
  step: k => ({...STEPS[k], name: plain(stepName(STEPS[k])), title: fullText(stepName(STEPS[k]))}),
  gradsAt: k => replay(k).grad,
  shownSvg: () => shown().svg,  // the drawing on show: the folded one, or a layout of the op-level one
  groups: GROUPS.map(g => ({name: g.name, path: g.path, nodes: g.nodes.slice()})),
  numbers: () => ({data: state.data.slice(), grad: replay(STEPS.length - 1).grad, locals: state.locals.map(l => l.slice())}),
  why: () => traces && {naive: traces.naiveGrad.slice(), topo: traces.topoGrad.slice(), wrong: traces.wrong, steps: traces.naive.length},
  names: N.map(n => n.name),
  fitView, focusNode, showWhole, showDrawing, zoomAt, setPanel,
  view: V.state,
};
setWhy(DATA.why === true);
// The whole graph at load (its extents measured with the page's texts), in the layout the window shows larger.
V.start();
