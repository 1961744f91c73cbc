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
const svg = document.querySelector("#graph svg");
const PAGE_STYLE = getComputedStyle(document.documentElement);
const colour = name => PAGE_STYLE.getPropertyValue("--" + name).trim();
// Graphviz writes a text's colour as fill="#rrggbb": the palette's own spelling.
const BACK_COLOUR = colour("backward"), FORE_COLOUR = colour("forward");
const boxes = {}, ops = {}, edges = {};
let seedText = null;  // the drawing's "seed dL/dz = 2" beside the root
for (const g of svg.querySelectorAll("g.node")) {
  const t = g.querySelector("title").textContent; let m;
  if (t === "seed") seedText = [...g.querySelectorAll("text")].find(e => e.textContent.includes(" = ")) || null;
  if ((m = /^v(\d+)$/.exec(t))) boxes[+m[1]] = g;
  else if ((m = /^v(\d+)_op$/.exec(t))) ops[+m[1]] = g;
}
for (const g of svg.querySelectorAll("g.edge")) {
  const m = /^v(\d+)->v(\d+)_op$/.exec(g.querySelector("title").textContent);
  if (m) (edges[m[1] + ">" + m[2]] = edges[m[1] + ">" + m[2]] || []).push(g);
}
const texts = N.map((n, i) => {
  const g = boxes[i]; if (!g) return {};
  const all = [...g.querySelectorAll("text")];
  const data = all.filter(t => !t.getAttribute("fill") && t.getAttribute("font-weight") !== "bold"
                           && t.textContent.startsWith("data ")).pop();
  const grad = all.find(t => t.getAttribute("fill") === BACK_COLOUR);
  return {data, grad};
});
const edgeTexts = N.map((n, z) => {
  const seen = {};
  return EDGES[z].map(([, p]) => {
    const key = p + ">" + z, j = seen[key] = (seen[key] || 0) + 1, g = (edges[key] || [])[j - 1];
    if (!g) return {};
    const all = [...g.querySelectorAll("text")];
    return {g, fwd: all.find(t => t.getAttribute("fill") === FORE_COLOUR), bwd: all.find(t => t.getAttribute("fill") === BACK_COLOUR)};
  });
});
// Only what changed is written: a step touches a few values, and SVG text is slow to lay out.
const setText = (el, text) => { if (el && el.$text !== text) { el.textContent = text; el.$text = text; } };
const seedPrefix = seedText ? seedText.textContent.slice(0, seedText.textContent.lastIndexOf(" = ") + 3) : "";
const mark = (el, cls, on) => { if (el && el.classList.contains(cls) !== on) el.classList.toggle(cls, on); };

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
// Scroll the drawing (only the drawing, never the page) so that the current node is in view.
function reveal(el) {
  const pane = document.getElementById("graph"), a = el.getBoundingClientRect(), b = pane.getBoundingClientRect();
  if (a.left < b.left || a.right > b.right) pane.scrollLeft += (a.left + a.right) / 2 - (b.left + b.right) / 2;
  if (a.top < b.top || a.bottom > b.bottom) pane.scrollTop += (a.top + a.bottom) / 2 - (b.top + b.bottom) / 2;
}
function render() {
  const s = position, st = STEPS[s], r = replay(s);
  const current = (st.kind === "forward" || st.kind === "backward" || st.kind === "seed") ? st.node : -1;
  for (let i = 0; i < N.length; i++) {
    const known = !N[i].op || FORWARD_STEP[i] <= s;
    mark(boxes[i], "pending", !known); mark(ops[i], "pending", !known);
    mark(boxes[i], "current", i === current); mark(ops[i], "current", i === current);
    setText(texts[i].data, "data " + (known ? fmt(state.data[i]) : "?"));
    setText(texts[i].grad, gradLine(i, r));
    EDGES[i].forEach(([k, p], j) => {
      const et = edgeTexts[i][j], local = state.locals[i][k];
      mark(et.g, "active", i === current && st.kind !== "seed");
      setText(et.fwd, "∂" + nm(i) + "/∂" + nm(p) + " = " + (known ? fmt(local) : "?"));
      setText(et.bwd, r.stepped.has(i) ? dname(i) + " · ∂" + nm(i) + "/∂" + nm(p) + " = " + factor(r.grad[i]) + " · " + factor(local) + " = " + fmt(r.grad[i] * local) : "");
    });
  }
  setText(seedText, seedPrefix + fmt(seed));
  renderOrder(s);
  if (current >= 0) reveal(N[current].op ? ops[current] : boxes[current]);
  document.getElementById("narration").textContent = narrate(s, r);
  document.getElementById("position").textContent = "step " + s + " of " + (STEPS.length - 1);
}

// ---- why a topological order --------------------------------------------------------------
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
    const items = backwardStep(z, ng, null);
    if (wrong < 0 && (again || early)) wrong = naive.length;
    naive.push({node: z, items, again, early, first: passed[z]});
    if (!again) passed[z] = naive.length;
    for (let j = EDGES[z].length - 1; j >= 0; j--) stack.push(EDGES[z][j][1]);
  }
  return {topo, naive, wrong, truncated, naiveGrad: ng, topoGrad: tg};
}
function runningGrads(trace, upto) {
  const g = N.map(() => 0); g[ROOT] = seed;
  for (let k = 0; k < Math.min(upto, trace.length); k++) for (const it of trace[k].items) g[it.p] += it.product;
  return g;
}
function whyLimit() { return Math.max(traces.naive.length, traces.topo.length); }
function whyNote(step) {
  if (step.again) return "  ✗ " + nm(step.node) + " was reached again by another path and passes its gradient on a second time (first at step " + step.first + ")";
  if (step.early) return "  ✗ " + nm(step.node) + " passes its gradient on before all of its consumers have added to it";
  return "";
}
function renderWhy() {
  const k = whyPosition;
  const fill = (id, trace, wrong) => {
    const list = document.getElementById(id);
    if (list.children.length !== trace.length) {
      list.textContent = "";
      trace.forEach(() => list.appendChild(document.createElement("li")));
    }
    trace.forEach((step, j) => {
      const li = list.children[j];
      li.textContent = passOn(step.node, step.items) + (j === wrong ? whyNote(step) : "");
      li.classList.toggle("later", j >= k); li.classList.toggle("here", j === k - 1);
      li.classList.toggle("wrong", j === wrong);
    });
  };
  fill("naive", traces.naive, traces.wrong);
  fill("topo", traces.topo, -1);
  const ng = runningGrads(traces.naive, k), tg = runningGrads(traces.topo, k);
  const body = document.querySelector("#whytable tbody");
  body.textContent = "";
  for (const i of N.map((n, i) => i)) {
    const tr = document.createElement("tr");
    const cells = [nm(i), fmt(ng[i]), fmt(tg[i]), state.edited ? "—" : fmt(N[i].grad)];
    cells.forEach((c, j) => {
      const td = document.createElement(j === 0 ? "th" : "td");
      td.textContent = c;
      if (j === 1 && k >= whyLimit() && fmt(ng[i]) !== fmt(tg[i])) td.className = "bad";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const done = k >= whyLimit();
  const bad = N.map((n, i) => i).filter(i => fmt(traces.naiveGrad[i]) !== fmt(traces.topoGrad[i]));
  let verdict = "";
  if (done) {
    verdict = bad.length
      ? "Naive recursion goes wrong at step " + (traces.wrong + 1) + ": " + bad.map(i => nm(i) + ".grad = " + fmt(traces.naiveGrad[i]) + " instead of " + fmt(traces.topoGrad[i])).join(", ") + ". The topological order gives backward()'s numbers."
      : "Here the naive recursion happens to agree: no value that passes a gradient on is reached by two paths. The topological order gives backward()'s numbers.";
    if (traces.truncated) verdict = "The naive recursion took more than " + NAIVE_LIMIT + " steps (it walks every path) and was stopped. " + verdict;
  }
  document.getElementById("verdict").textContent = verdict;
  document.getElementById("position").textContent = "why: step " + k + " of " + whyLimit();
  document.getElementById("narration").textContent = k === 0 ? "Both start from the seed " + dname(ROOT) + " = " + fmt(seed) + "."
    : (k <= traces.naive.length ? "naive: " + passOn(traces.naive[k - 1].node, traces.naive[k - 1].items) : "naive: done")
      + "   |   topological: " + (k <= traces.topo.length ? passOn(traces.topo[k - 1].node, traces.topo[k - 1].items) : "done");
}
function setWhy(on) {
  if (on) { position = STEPS.length - 1; render(); }  // the graph behind shows the finished pass
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
document.getElementById("fit").onclick = () => {
  const on = document.getElementById("graph").classList.toggle("fit");
  document.getElementById("fit").setAttribute("aria-pressed", String(on));
};
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
// Shrunk to the window's width only while text stays readable; wider drawings scroll instead.
if (svg.width.baseVal.value > 1.6 * document.getElementById("graph").clientWidth) {
  document.getElementById("graph").classList.remove("fit");
  document.getElementById("fit").setAttribute("aria-pressed", "false");
}

// For tests and the curious: the page's own numbers and kernels.
window.explorer = {
  steps: STEPS.length, go, setLeaf, setSeed, setWhy, pyRepr, fmtG, runOp,
  position: () => here(),
  numbers: () => ({data: state.data.slice(), grad: replay(STEPS.length - 1).grad, locals: state.locals.map(l => l.slice())}),
  why: () => traces && {naive: traces.naiveGrad.slice(), topo: traces.topoGrad.slice(), wrong: traces.wrong, steps: traces.naive.length},
  names: N.map(n => n.name),
};
setWhy(DATA.why === true);
