// The quiz page's script (explore(root, quiz=True)): the explorer's drawing with the numbers
// hidden; the learner types each value (forward half), or each local derivative and gradient in
// backward()'s order (backward half), and the page compares with the engine's numbers. Every
// question, answer, hint and trap comes from Python (autograd_mini/_quiz.py, in the page data
// as DATA.quiz); this script only parses what is typed, compares, and shows. Text reaches the
// page through textContent only. The drawing's view (both layouts, zoom, pan, fit) is view.js's,
// which the page runs first.
"use strict";
const SPECIAL = {"inf": Infinity, "-inf": -Infinity, "nan": NaN};
const DATA = JSON.parse(document.getElementById("data").textContent,
  (k, v) => (v && typeof v === "object" && "special" in v) ? SPECIAL[v.special] : v);
const N = DATA.nodes, Q = DATA.quiz;
const HALVES = {forward: Q.forward, backward: Q.backward};

// ---- what is typed: one number, never evaluated ------------------------------------------
const NUMBER = /^\s*[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$/i;
function parseAnswer(text) {  // {value} or {problem}: the same rules as _exercise_parts.parse_answer
  const t = String(text).trim();
  if (!t) return {problem: "type a number first"};
  if (!NUMBER.test(t)) {
    const shown = t.length <= 40 ? t : t.slice(0, 37) + "...";
    return {problem: JSON.stringify(shown) + " is not a number (text is never evaluated): work the expression out and type the number, e.g. -6 or 0.5"};
  }
  const body = t.toLowerCase().replace(/^[+-]/, ""), sign = t.startsWith("-") ? -1 : 1;
  const value = body.startsWith("inf") ? sign * Infinity : body === "nan" ? NaN : Number(t);
  if (Number.isNaN(value)) return {problem: "nan is not an answer: type the number you computed"};
  return {value};
}
function close(given, expected) {  // |given - expected| <= atol + rtol |expected|; infinities exactly
  if (!Number.isFinite(expected) || !Number.isFinite(given)) return given === expected;
  return Math.abs(given - expected) <= Q.atol + Q.rtol * Math.abs(expected);
}

// ---- the drawing: draw_graph's SVG, found by its node and edge titles ---------------------
// #graph holds one svg element per layout (data-rankdir LR, TB); every one is kept up to date, and
// the view (view.js) shows one of them.
const PAGE_STYLE = getComputedStyle(document.documentElement);
const colour = name => PAGE_STYLE.getPropertyValue("--" + name).trim();
const BACK_COLOUR = colour("backward"), FORE_COLOUR = colour("forward");
function indexLayout(svg) {
  const boxes = {}, edges = {};
  let seedText = null;
  for (const g of svg.querySelectorAll("g.node")) {
    const t = g.querySelector("title").textContent; let m;
    if (t === "seed") seedText = [...g.querySelectorAll("text")].find(e => e.textContent.includes(" = ")) || null;
    if ((m = /^v(\d+)$/.exec(t))) boxes[+m[1]] = g;
  }
  for (const g of svg.querySelectorAll("g.edge")) {
    const m = /^v(\d+)->v(\d+)_op$/.exec(g.querySelector("title").textContent);
    if (m) (edges[m[1] + ">" + m[2]] = edges[m[1] + ">" + m[2]] || []).push(g);
  }
  const boxTexts = N.map((n, i) => {
    const all = boxes[i] ? [...boxes[i].querySelectorAll("text")] : [];
    return {
      data: all.filter(t => !t.getAttribute("fill") && t.textContent.startsWith("data ")).pop(),
      grad: all.find(t => t.getAttribute("fill") === BACK_COLOUR),
    };
  });
  return {svg, boxes, edges, seedText, boxTexts};
}
const layouts = [...document.querySelectorAll("#graph svg")].map(indexLayout);
// Edge g of operand position `operand` of node z in layout d: the k-th edge from the same parent.
function edgeOf(d, z, operand) {
  const ops = N[z].operands, parent = ops[operand][1];
  let k = 0;
  for (let j = 0; j < operand; j++) if (ops[j][0] === "v" && ops[j][1] === parent) k++;
  const g = (d.edges[parent + ">" + z] || [])[k];
  if (!g) return {};
  const all = [...g.querySelectorAll("text")];
  return {g, fwd: all.find(t => t.getAttribute("fill") === FORE_COLOUR), bwd: all.find(t => t.getAttribute("fill") === BACK_COLOUR)};
}
// The same text in every layout: `pick(d)` finds it in layout d.
function setText(pick, text, blank) {
  for (const d of layouts) {
    const el = pick(d);
    if (!el) continue;
    el.textContent = text;
    el.classList.toggle("blank", Boolean(blank));
  }
}
// The drawn element of question q (its edge or its value's box) in layout d.
const elementOf = (d, q) => q ? (q.kind === "local" ? edgeOf(d, q.node, q.operand).g : d.boxes[q.node]) || null : null;
const view = makeView({
  pane: document.getElementById("graph"), side: document.getElementById("side"), layouts,
  focus: () => [elementOf(view.shown(), questionsOf()[current])],
});

// ---- state --------------------------------------------------------------------------------
// Per question: status "" (open), "right", "wrong" (tried, not yet right), "shown"; attempts;
// hints shown.
const state = {};
for (const half of Object.keys(HALVES))
  state[half] = HALVES[half].map(() => ({status: "", attempts: 0, hints: 0, given: ""}));
let mode = Q.backward.length ? "backward" : "forward";
let current = 0;
const done = s => s.status === "right" || s.status === "shown";
const questionsOf = () => HALVES[mode];

function render() {
  // values: hidden in the forward half until typed; shown in the backward half (it needs them)
  Q.forward.forEach((q, i) => {
    const open = mode === "forward" && !done(state.forward[i]);
    setText(d => d.boxTexts[q.node].data, open ? "data ?" : "data " + q.shown, open);
  });
  // local derivatives and gradients: hidden in the forward half, "?" until answered backward
  const localDone = {}, gradDone = {};
  Q.backward.forEach((q, i) => {
    const s = state.backward[i], known = mode === "backward" && done(s);
    if (q.kind === "local") {
      localDone[q.node + ":" + q.operand] = known ? q : null;
      setText(d => edgeOf(d, q.node, q.operand).fwd, mode === "forward" ? "" : q.prompt.split(" (")[0] + " = " + (known ? q.shown : "?"), !known && mode === "backward");
    } else if (q.kind === "grad") {
      gradDone[q.node] = known;
      setText(d => d.boxTexts[q.node].grad, mode === "forward" ? "" : q.prompt + " = " + (known ? q.shown : "?"), !known && mode === "backward");
    }
  });
  setText(d => d.boxTexts[DATA.root].grad, mode === "forward" ? "" : Q.rootGrad);
  setText(d => d.seedText, mode === "forward" ? "" : Q.seed);
  gradDone[DATA.root] = true;
  // each product dL/dz · ∂z/∂x once dL/dz, ∂z/∂x and dL/dx are known (the product gives dL/dx away)
  Q.backward.forEach(q => {
    if (q.kind !== "local") return;
    const known = localDone[q.node + ":" + q.operand] && gradDone[q.node] && gradDone[q.parent];
    setText(d => edgeOf(d, q.node, q.operand).bwd, known && mode === "backward" ? q.chain : "");
  });
  renderQuestion();
  renderList();
  renderScore();
}

// The current question's element in every layout; the view pans (never zooms) to it when it is outside.
function highlight(q) {
  for (const d of layouts) {
    for (const g of d.svg.querySelectorAll(".current")) g.classList.remove("current");
    const g = elementOf(d, q);
    if (g) g.classList.add("current");
  }
  view.reveal([elementOf(view.shown(), q)]);
}

const $ = id => document.getElementById(id);
function renderQuestion() {
  const qs = questionsOf(), q = qs[current], s = state[mode][current];
  highlight(q);
  $("prompt").textContent = (current + 1) + ". " + q.prompt + " = ?";
  $("context").textContent = q.context;
  $("answer").value = s.given;
  const list = $("hints");
  list.textContent = "";
  for (const hint of q.hints.slice(0, s.hints)) {
    const li = document.createElement("li");
    li.textContent = hint;
    list.appendChild(li);
  }
  $("hint").disabled = s.hints >= q.hints.length;
}
function renderList() {
  const list = $("questions"), qs = questionsOf();
  if (list.children.length !== qs.length || list.dataset.mode !== mode) {
    list.textContent = "";
    list.dataset.mode = mode;
    qs.forEach((q, i) => {
      const li = document.createElement("li");
      li.addEventListener("click", () => select(i));
      list.appendChild(li);
    });
  }
  qs.forEach((q, i) => {
    const s = state[mode][i], li = list.children[i];
    const mark = {right: "✓ ", wrong: "✗ ", shown: "shown: ", "": ""}[s.status];
    li.textContent = mark + q.prompt + (done(s) ? " = " + q.shown : "");
    li.className = (s.status || "open") + (i === current ? " here" : "");
  });
}
function score(half) {
  const s = state[half];
  return {right: s.filter(x => x.status === "right").length, shown: s.filter(x => x.status === "shown").length, total: s.length};
}
function renderScore() {
  const s = score(mode);
  $("score").textContent = mode + ": " + s.right + " of " + s.total + " right" + (s.shown ? ", " + s.shown + " shown" : "");
}
function say(text, kind) {
  $("feedback").textContent = text;
  $("feedback").className = kind;
}

// ---- answering ------------------------------------------------------------------------------
function check(text) {
  const q = questionsOf()[current], s = state[mode][current];
  s.given = String(text);
  const parsed = parseAnswer(text);
  if (parsed.problem) { say(parsed.problem, "invalid"); return {status: "invalid", message: parsed.problem}; }
  if (close(parsed.value, q.answer)) {
    if (s.status !== "shown") s.status = "right";
    say("✓ right: " + q.prompt + " = " + q.shown, "right");
    render();
    return {status: "right"};
  }
  s.attempts++;
  if (s.status !== "shown") s.status = "wrong";
  s.hints = Math.max(s.hints, Math.min(s.attempts, q.hints.length));  // one hint more per wrong try
  const trap = q.traps.find(([value]) => close(parsed.value, value));
  const message = "✗ " + text.trim() + " is wrong" + (trap ? ": " + trap[1] : "");
  say(message, "wrong");
  render();
  return {status: "wrong", message, hints: q.hints.slice(0, s.hints)};
}
function hint() {
  const q = questionsOf()[current], s = state[mode][current];
  if (q && s.hints < q.hints.length) s.hints++;
  render();
}
function showAnswer() {
  const q = questionsOf()[current], s = state[mode][current];
  if (s.status !== "right") s.status = "shown";
  s.hints = q.hints.length;
  say("The answer: " + q.prompt + " = " + q.shown + " (counted as shown, not right)", "shown");
  render();
}
function next() {  // the next question not done yet, after the current one
  const qs = questionsOf();
  for (let k = 1; k <= qs.length; k++) {
    const i = (current + k) % qs.length;
    if (!done(state[mode][i])) { select(i, true); return; }  // the last verdict stays in view
  }
  say("All " + qs.length + " answered. " + $("score").textContent + ".", "right");
}
function select(i, keepFeedback) {
  current = Math.max(0, Math.min(questionsOf().length - 1, i));
  if (!keepFeedback) say("", "");
  render();
  $("answer").focus();
}
function setMode(half) {
  mode = half;
  current = Math.max(0, state[mode].findIndex(s => !done(s)));
  $("mode-forward").setAttribute("aria-pressed", String(half === "forward"));
  $("mode-backward").setAttribute("aria-pressed", String(half === "backward"));
  say("", "");
  render();
}

$("form").addEventListener("submit", ev => {
  ev.preventDefault();
  const r = check($("answer").value);
  if (r.status === "right") next();
});
$("hint").onclick = hint;
$("show").onclick = showAnswer;
$("next").onclick = next;
$("mode-forward").onclick = () => setMode("forward");
$("mode-backward").onclick = () => setMode("backward");
document.title = "quiz: " + N[DATA.root].name;
$("title").textContent = "Quiz on " + N[DATA.root].name + ": type the numbers backward() computes";
$("tolerance").textContent = "Type each number; " + Q.tolerance + ". A wrong answer shows a hint, each further one a hint more; " +
  "\"show answer\" gives it (counted as shown).";
// The whole graph, in the layout the window shows larger; then the first question (shown if outside).
view.start();
setMode(mode);

// For tests and the curious.
window.quiz = {
  check, hint, showAnswer, next, select, setMode,
  mode: () => mode,
  current: () => questionsOf()[current],
  score,
  view: view.state, fit: view.fit, showWhole: view.showWhole, zoomAt: view.zoomAt, setPanel: view.setPanel,
  questions: half => HALVES[half || mode].map(q => ({key: q.key, kind: q.kind, prompt: q.prompt, answer: q.answer})),
};
