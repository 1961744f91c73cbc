"use strict";
// The training page: replays a recorded run (autograd_mini/training_page.py writes the data).
// Every number comes from the JSON script #data; user text (title, parameter and layer names)
// is only ever set through textContent.

const DATA = JSON.parse(document.getElementById("data").textContent);
const SVG_NS = "http://www.w3.org/2000/svg";
const byId = id => document.getElementById(id);
const COLOURS = new Map();  // read once: getComputedStyle in a redraw would force a style pass
function colour(name) {
  if (!COLOURS.has(name)) {
    COLOURS.set(name, getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim());
  }
  return COLOURS.get(name);
}
const LAYER_COLOURS = ["#2563eb", "#c2410c", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
  "#b45309", "#4b5563", "#9333ea", "#e11d48", "#0d9488"];

function floats(text, bytes) {  // base64 of little-endian float32 (4) or float64 (8) numbers
  if (text.startsWith("d:")) { text = text.slice(2); bytes = 8; }  // float64 where float32 cannot hold them
  const raw = window.atob(text);
  const view = new DataView(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) view.setUint8(i, raw.charCodeAt(i));
  const out = new Float64Array(raw.length / bytes);
  for (let i = 0; i < out.length; i++) {
    out[i] = bytes === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
  }
  return out;
}

function significant(x, p) {  // [p digits, exponent] of x > 0, rounded half to even as Python does
  const exact = x.toExponential(99).split("e");
  const digits = exact[0].replace(".", "");
  const rest = digits.slice(p);
  if (/^50*$/.test(rest)) {  // an exact tie: JavaScript rounds it up, Python to the even digit
    const kept = digits.slice(0, p).split("").map(Number);
    let e = +exact[1];
    if (kept[p - 1] % 2 === 1) {  // round up: carry through the nines
      let i = p - 1;
      while (i >= 0 && kept[i] === 9) { kept[i] = 0; i--; }
      if (i < 0) { kept.unshift(1); kept.pop(); e++; } else kept[i]++;
    }
    return [kept.join(""), e];
  }
  const rounded = x.toExponential(p - 1).split("e");
  return [rounded[0].replace(".", ""), +rounded[1]];
}

function fmt(v, p = 4) {  // Python's f"{v:.{p}g}", -0 as 0 (format_number in _drawing.py)
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const [digits, e] = significant(Math.abs(v), p);
  const sign = v < 0 ? "-" : "";
  const strip = s => s.replace(/\.?0+$/, "");
  if (e < -4 || e >= p) {
    const mantissa = digits.length > 1 ? strip(digits[0] + "." + digits.slice(1)) : digits;
    return sign + mantissa + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  if (e < 0) return sign + strip("0." + "0".repeat(-e - 1) + digits);
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0"), fraction = digits.slice(e + 1);
  return sign + (fraction ? strip(whole + "." + fraction) : whole);
}

// -- the recorded numbers --------------------------------------------------------------------
const N = DATA.names.length, S = DATA.steps.length, L = DATA.layers.length, T = DATA.stepCount;
const LOSS = floats(DATA.loss, 8), NORMS = floats(DATA.gradNorms, 4), RATIOS = floats(DATA.ratios, 4);
const BEFORE = floats(DATA.before, 4), GRADS = floats(DATA.grads, 4), AFTER = floats(DATA.after, 4);
const AFTER_ROW = new Map(DATA.afterAt.map((s, row) => [s, row]));
const BOUNDARY = DATA.boundary, SCORES = BOUNDARY ? floats(BOUNDARY.scores, 4) : null;

const before = (s, i) => BEFORE[s * N + i];
const grad = (s, i) => GRADS[s * N + i];
function after(s, i) {  // the value after step s's update: stored, or the next kept step's before
  return AFTER_ROW.has(s) ? AFTER[AFTER_ROW.get(s) * N + i] : BEFORE[(s + 1) * N + i];
}

const state = {at: 0, phase: "forward", param: 0, timer: null, grid: -1};

// -- the network drawing: which SVG element shows which parameter -----------------------------
const shown = {edges: new Map(), texts: new Map(), groups: new Map()};

function titleOf(g) {
  const title = g.querySelector("title");
  return title ? title.textContent : "";
}

function linkDrawing() {
  const net = DATA.network;
  if (!net) return;
  for (const g of document.querySelectorAll("#network svg g.edge")) {
    const param = net.edges[titleOf(g)];
    if (param === undefined) continue;
    const path = g.querySelector("path");
    const hit = path.cloneNode(false);  // a wide invisible copy, so a thin edge is easy to click
    hit.setAttribute("class", "hit");
    g.appendChild(hit);
    shown.edges.set(param, [path, g.querySelector("polygon")]);
    shown.groups.set(param, g);
    g.addEventListener("click", () => select(param));
  }
  for (const g of document.querySelectorAll("#network svg g.node")) {
    const name = titleOf(g), texts = g.querySelectorAll("text");
    if (net.labels[name] !== undefined && texts.length) {
      shown.texts.set(net.labels[name], [texts[0], "w"]);
      const param = net.labels[name];
      g.addEventListener("click", () => select(param));
    } else if (net.biases[name] !== undefined) {
      const param = net.biases[name];
      const line = [...texts].find(t => t.textContent.startsWith("b "));
      if (line) shown.texts.set(param, [line, "b"]);
      shown.groups.set(param, g);
      g.addEventListener("click", () => select(param));
    }
  }
}

function phaseValue(s, i) {
  if (state.phase === "backward") return grad(s, i);
  return state.phase === "update" ? after(s, i) : before(s, i);
}

function drawNetwork() {
  const s = state.at, positive = colour("positive"), negative = colour("negative");
  let largest = 0;
  for (const i of shown.edges.keys()) largest = Math.max(largest, Math.abs(phaseValue(s, i)) || 0);
  largest = largest || 1;
  for (const [i, [path, head]] of shown.edges) {
    const v = phaseValue(s, i), paint = v >= 0 ? positive : negative;
    const width = Number.isFinite(v) ? 0.8 + 3 * Math.abs(v) / largest : 0.8;
    path.setAttribute("stroke", paint);
    path.setAttribute("stroke-width", width.toFixed(2));
    if (head) { head.setAttribute("stroke", paint); head.setAttribute("fill", paint); }
  }
  const prefix = state.phase === "backward" ? "dL/d" : "";
  for (const [i, [text, what]] of shown.texts) {
    const line = `${prefix}${what} ${fmt(phaseValue(s, i))}`;
    if (text.textContent !== line) text.textContent = line;  // unchanged text: no new text layout
  }
  byId("network").classList.toggle("gradients", state.phase === "backward");
}

// -- charts: drawn once, only their step markers move ----------------------------------------
function svgElement(parent, name, attributes) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent.appendChild(element);
  return element;
}

const CHART = {left: 42, right: 352, top: 8};

function chartX(step) {  // x of a step (0 .. T-1) in a chart
  return CHART.left + (CHART.right - CHART.left) * (T > 1 ? step / (T - 1) : 0);
}

function drawLine(svg, points, stroke) {  // a polyline, broken wherever a point is missing (null)
  let run = [];
  const flush = () => {
    if (run.length) svgElement(svg, "polyline", {points: run.join(" "), fill: "none", stroke, "stroke-width": 1.3});
    run = [];
  };
  for (const point of points) {
    if (point === null) flush();
    else run.push(point[0].toFixed(1) + "," + point[1].toFixed(1));
  }
  flush();
}

function axisLabels(svg, bottom, high, low) {
  svgElement(svg, "text", {x: 2, y: CHART.top + 8}).textContent = high;
  svgElement(svg, "text", {x: 2, y: bottom}).textContent = low;
  svgElement(svg, "text", {x: CHART.left, y: bottom + 12}).textContent = "step 0";
  svgElement(svg, "text", {x: CHART.right - 50, y: bottom + 12}).textContent = `step ${T - 1}`;
}

function scale(low, high, bottom) {  // y of a number in a chart
  const span = high - low || 1;
  return v => bottom - (bottom - CHART.top) * (v - low) / span;
}

function drawLossChart() {
  const svg = byId("loss-chart"), bottom = 120;
  const finite = [...LOSS].filter(Number.isFinite);
  const low = finite.length ? Math.min(...finite) : 0, high = finite.length ? Math.max(...finite) : 1;
  const y = scale(low, high, bottom);
  drawLine(svg, [...LOSS].map((v, k) => (Number.isFinite(v) ? [chartX(k), y(v)] : null)), colour("negative"));
  for (let k = 0; k < T; k++) {
    if (!Number.isFinite(LOSS[k])) {
      svgElement(svg, "line", {class: "nan", x1: chartX(k), x2: chartX(k), y1: CHART.top, y2: CHART.top + 10});
    }
  }
  axisLabels(svg, bottom, fmt(high, 3), fmt(low, 3));
  return svgElement(svg, "line", {class: "marker", y1: CHART.top, y2: bottom});
}

function drawFlowChart() {
  const svg = byId("flow-chart"), bottom = 140;
  let low = Infinity, high = -Infinity;
  for (const n of NORMS) if (n > 0 && Number.isFinite(n)) { low = Math.min(low, Math.log10(n)); high = Math.max(high, Math.log10(n)); }
  if (!Number.isFinite(low)) { low = -1; high = 0; }
  const y = scale(Math.floor(low), Math.ceil(high), bottom);
  for (let e = Math.floor(low); e <= Math.ceil(high); e++) {
    svgElement(svg, "line", {x1: CHART.left, x2: CHART.right, y1: y(e), y2: y(e), stroke: "#e5e7eb"});
  }
  for (let layer = 0; layer < L; layer++) {
    const points = [];
    for (let k = 0; k < T; k++) {
      const n = NORMS[k * L + layer];
      points.push(n > 0 && Number.isFinite(n) ? [chartX(k), y(Math.log10(n))] : null);
    }
    drawLine(svg, points, LAYER_COLOURS[layer % LAYER_COLOURS.length]);
    const key = document.createElement("span");
    key.style.color = LAYER_COLOURS[layer % LAYER_COLOURS.length];
    key.textContent = "— " + DATA.layers[layer];
    const numbers = document.createElement("span");
    numbers.className = "layer-numbers";
    const row = document.createElement("div");
    row.append(key, numbers);
    byId("flow-legend").appendChild(row);
    legendNumbers.push(numbers);
  }
  axisLabels(svg, bottom, "1e" + Math.ceil(high), "1e" + Math.floor(low));
  return svgElement(svg, "line", {class: "marker", y1: CHART.top, y2: bottom});
}

function drawParamChart() {  // the selected parameter's value and gradient over the kept steps
  const svg = byId("param-chart"), bottom = 120;
  svg.replaceChildren();
  for (const [series, stroke] of [[before, colour("positive")], [grad, colour("backward")]]) {
    const values = DATA.steps.map((_, s) => series(s, state.param));
    const finite = values.filter(Number.isFinite);
    const low = finite.length ? Math.min(...finite) : 0, high = finite.length ? Math.max(...finite) : 1;
    const y = scale(low, high, bottom);
    drawLine(svg, values.map((v, s) => (Number.isFinite(v) ? [chartX(DATA.steps[s]), y(v)] : null)), stroke);
  }
  axisLabels(svg, bottom, "", "");
  return svgElement(svg, "line", {class: "marker", y1: CHART.top, y2: bottom});
}

const markers = {};
const legendNumbers = [];  // per layer: this step's |dL/dw| and |update| / |w|

function showLayerNumbers() {
  const step = DATA.steps[state.at];
  legendNumbers.forEach((span, layer) => {
    const norm = NORMS[step * L + layer], ratio = RATIOS[step * L + layer];
    span.textContent = `|dL/dw| ${fmt(norm, 3)}, |update| / |w| ${fmt(ratio, 3)}`;
  });
}

function moveMarkers() {
  const x = chartX(DATA.steps[state.at]).toFixed(1);
  for (const marker of Object.values(markers)) { marker.setAttribute("x1", x); marker.setAttribute("x2", x); }
}

// -- the decision boundary -------------------------------------------------------------------
function drawBoundary() {
  if (!BOUNDARY) return;
  const step = DATA.steps[state.at];
  let grid = 0;
  for (let g = 0; g < BOUNDARY.steps.length; g++) if (BOUNDARY.steps[g] <= step) grid = g;
  if (grid === state.grid) return;  // the same grid as shown: nothing to redraw
  state.grid = grid;
  const canvas = byId("boundary"), context = canvas.getContext("2d"), n = BOUNDARY.size;
  const [x0, x1, y0, y1] = BOUNDARY.extent, cell = canvas.width / n;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const s = SCORES[(grid * n + j) * n + i];
      const strength = Number.isFinite(s) ? 0.15 + 0.5 * Math.min(1, Math.abs(s)) : 0;
      context.fillStyle = s > 0 ? `rgba(220,38,38,${strength})` : `rgba(37,99,235,${strength})`;
      const left = Math.round(i * cell), right = Math.round((i + 1) * cell);  // no overlap: no seams
      const top = canvas.height - Math.round((j + 1) * cell), bottom = canvas.height - Math.round(j * cell);
      context.clearRect(left, top, right - left, bottom - top);
      context.fillRect(left, top, right - left, bottom - top);
    }
  }
  const first = Math.max(...BOUNDARY.labels);
  BOUNDARY.points.forEach(([px, py], k) => {
    context.beginPath();
    context.arc((px - x0) / (x1 - x0) * canvas.width, canvas.height - (py - y0) / (y1 - y0) * canvas.height, 3, 0, 2 * Math.PI);
    context.fillStyle = BOUNDARY.labels[k] === first ? "#dc2626" : "#2563eb";
    context.fill();
    context.strokeStyle = "#111827";
    context.stroke();
  });
  byId("boundary-note").textContent =
    `the model before step ${BOUNDARY.steps[grid]} (a grid every ${BOUNDARY.steps.length > 1 ? BOUNDARY.steps[1] - BOUNDARY.steps[0] : 1} steps): red where its output > 0`;
}

// -- the selected parameter and the phase narration ---------------------------------------------
function updateLine(s, i) {  // p.data -= lr * p.grad, with the lr the recorder read from the numbers
  const b = before(s, i), g = grad(s, i), a = after(s, i), lr = DATA.lr[s];
  if (lr === null) return `not plain SGD (momentum, Adam or weight decay): ${fmt(b)} + (${fmt(a - b)}) = ${fmt(a)}`;
  return `p.data -= lr * p.grad:  ${fmt(b)} - ${fmt(lr)} * (${fmt(g)}) = ${fmt(a)}`;
}

function showParam() {
  const s = state.at, i = state.param;
  byId("p-before").textContent = fmt(before(s, i));
  byId("p-grad").textContent = fmt(grad(s, i));
  byId("p-after").textContent = fmt(after(s, i));
  byId("p-update").textContent = updateLine(s, i);
}

function select(i) {
  for (const g of document.querySelectorAll("#network svg g.selected")) g.classList.remove("selected");
  state.param = i;
  byId("param").value = String(i);
  const group = shown.groups.get(i);
  if (group) group.classList.add("selected");
  markers.param = drawParamChart();
  moveMarkers();
  showParam();
  narrate();
}

function narrate() {
  const step = DATA.steps[state.at], loss = LOSS[step], name = DATA.names[state.param];
  const text = {
    forward: `forward: the model computes its outputs from these ${N} parameters (blue > 0, red < 0, width ∝ size); ${name} = ${fmt(before(state.at, state.param))}`,
    loss: `loss: L = ${fmt(loss)}` + (Number.isFinite(loss) ? "" : " (not a number: training has diverged here)"),
    backward: `backward: loss.backward() sets every p.grad = dL/dp (dashed, width ∝ |dL/dp|); dL/d${name} = ${fmt(grad(state.at, state.param))}`,
    update: `update: ${updateLine(state.at, state.param)}`,
  }[state.phase];
  byId("narration").textContent = `step ${step}, ${text}`;
}

function show(at) {
  state.at = Math.max(0, Math.min(S - 1, at));
  byId("slider").value = String(state.at);
  const stride = DATA.stride > 1 ? ` (every ${DATA.stride}th step kept)` : "";
  byId("position").textContent = `step ${DATA.steps[state.at]} of ${T - 1}${stride}`;
  drawNetwork();
  moveMarkers();
  drawBoundary();
  showParam();
  showLayerNumbers();
  narrate();
  const here = DATA.explorers.some(e => e.step === DATA.steps[state.at]);
  byId("open-explorer").textContent = here || !DATA.explorers.length
    ? "open the explorer on this step"
    : `open the explorer (kept for step${DATA.explorers.length > 1 ? "s" : ""} ${DATA.explorers.map(e => e.step).join(", ")})`;
}

function setPhase(phase) {
  state.phase = phase;
  for (const button of document.querySelectorAll("#phases button[data-phase]")) {
    button.setAttribute("aria-pressed", String(button.dataset.phase === phase));
  }
  const legend = {
    forward: "edges: weights before this step's update; blue w > 0, red w < 0, width ∝ |w|",
    loss: "edges: the weights that gave this loss",
    backward: "edges (dashed): gradients dL/dw; blue > 0, red < 0, width ∝ |dL/dw|",
    update: "edges: weights after p.data -= lr * p.grad",
  }[phase];
  byId("legend").textContent = DATA.network ? legend : "";
  show(state.at);
}

const PHASES = ["forward", "loss", "backward", "update"];

function nextPhase() {  // forward -> loss -> backward -> update -> the next step's forward
  const k = PHASES.indexOf(state.phase);
  if (k < PHASES.length - 1) { setPhase(PHASES[k + 1]); return; }
  if (state.at < S - 1) { state.at += 1; setPhase("forward"); }
}

function play() {
  if (state.timer !== null) { stop(); return; }
  if (state.at >= S - 1) show(0);
  byId("play").textContent = "⏸ pause";
  state.timer = setInterval(() => { if (state.at >= S - 1) stop(); else show(state.at + 1); }, 50);
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  byId("play").textContent = "▶ play";
}

function openExplorer() {
  if (!DATA.explorers.length) return;
  const step = DATA.steps[state.at];
  let chosen = DATA.explorers[0];
  for (const e of DATA.explorers) if (Math.abs(e.step - step) < Math.abs(chosen.step - step)) chosen = e;
  if (chosen.step !== step) show(DATA.steps.indexOf(chosen.step));
  byId("explorer-title").textContent = `backward explorer: step ${chosen.step}, one sample's loss and its chain rule`;
  byId("explorer").srcdoc = chosen.html;
  byId("explorer-panel").hidden = false;
  byId("explorer-panel").scrollIntoView();
}

function start() {
  byId("title").textContent = DATA.title;
  document.title = DATA.title;
  const slider = byId("slider");
  slider.max = String(S - 1);
  slider.addEventListener("input", () => show(Number(slider.value)));
  const choice = byId("param");
  DATA.names.forEach((name, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = name;
    choice.appendChild(option);
  });
  choice.addEventListener("change", () => select(Number(choice.value)));
  byId("play").addEventListener("click", play);
  byId("next-phase").addEventListener("click", nextPhase);
  for (const button of document.querySelectorAll("#phases button[data-phase]")) {
    button.addEventListener("click", () => setPhase(button.dataset.phase));
  }
  byId("open-explorer").disabled = !DATA.explorers.length;
  byId("open-explorer").addEventListener("click", openExplorer);
  byId("close-explorer").addEventListener("click", () => { byId("explorer-panel").hidden = true; });
  document.addEventListener("keydown", event => {
    if (event.target.tagName === "SELECT") return;  // its own arrow keys choose a parameter
    if (event.key === "ArrowRight") show(state.at + 1);
    else if (event.key === "ArrowLeft") show(state.at - 1);
    else if (event.key === " ") { event.preventDefault(); play(); }
    else if (event.key === "n") nextPhase();
  });
  byId("boundary-panel").hidden = !BOUNDARY;
  linkDrawing();
  markers.loss = drawLossChart();
  markers.flow = drawFlowChart();
  setPhase("forward");
  select(0);
}

start();
