"""The web page of ``minigrad.teaching.explain.backprop_html``: HTML, CSS and script in one.

backprop_html fills in ``{{TITLE}}`` (escaped text), ``{{SVG}}`` (the graph drawn by Graphviz, each
Value's group with the id ``v<i>`` and its operation's ``v<i>_op``) and ``{{DATA}}`` (a JSON
object, made safe for a <script>): the values (id, name, data, op, inputs) and the steps of the
backward pass (node, child, contribution and the lines that explain them).

The page loads nothing (its Content-Security-Policy forbids it) and puts every name into the page
as text, never as HTML. What it does, for graphs of any size:

* the graph view follows the step: it zooms and pans to the Value pushing its gradient back and
  its inputs, at a size where their boxes can be read; the user can zoom (wheel, + and -), drag,
  and go back to the whole graph; a small overview marks where the current step is;
* a step can be chosen by number, with the slider, by clicking it in the list, or with the arrow
  keys; a Value can be found by name, and the list can be narrowed to that Value's steps;
* the chain-rule line of the current step, with its numbers put in, is the largest text.
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
  body { font-family: sans-serif; margin: 0.6em 1em; color: #222; font-size: 15px; }
  h1 { font-size: 19px; margin: 0.2em 0 0.3em; }
  p.intro { margin: 0.2em 0 0.5em; color: #444; font-size: 14px; }
  #controls { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: center; }
  #controls button, #controls input { font-size: 14px; }
  #controls button { padding: 0.25em 0.8em; }
  #slider { flex: 1 1 14em; min-width: 10em; }
  #step-number { width: 5em; }
  #search { width: 12em; }
  #explanation { margin: 0.5em 0; padding: 0.4em 0.7em; border-left: 5px solid #e0a800;
                 background: #fffbea; min-height: 4.2em; }
  #rule, #numbers { font-family: monospace; font-size: 24px; line-height: 1.35;
                    white-space: pre-wrap; overflow-wrap: anywhere; }
  #rule { font-weight: bold; }
  #detail { font-size: 14px; color: #555; margin-top: 0.2em; }
  #main { display: flex; gap: 0.6em; height: calc(100vh - 16.5em); min-height: 22em; }
  #view { position: relative; flex: 1 1 70%; border: 1px solid #ccc; overflow: hidden;
          contain: strict;
          background: white; cursor: grab; touch-action: none; }
  #view.dragging { cursor: grabbing; }
  #view > svg:not(#overview) { position: absolute; left: 0; top: 0; display: block;
                               transform-origin: 0 0; }
  #view-tools { position: absolute; left: 0.4em; top: 0.4em; display: flex; gap: 0.3em;
                background: rgba(255,255,255,0.9); padding: 0.2em; }
  #view-tools button, #view-tools label { font-size: 13px; background: rgba(255,255,255,0.9); }
  #overview { position: absolute; right: 0.4em; bottom: 0.4em; width: 200px; height: 110px;
              background: rgba(250,250,250,0.85); border: 1px solid #999; cursor: pointer; }
  #overview rect.value { fill: #bbb; }
  #overview rect.value.pushing { fill: #e0a800; }
  #overview rect.value.receiving { fill: #2e9d2e; }
  #overview rect.value.found { fill: #1f5fd1; }
  #overview rect.frame { fill: none; stroke: #d22; }
  #side { flex: 0 0 30%; display: flex; flex-direction: column; min-width: 16em; }
  #side h2 { font-size: 15px; margin: 0 0 0.3em; }
  #found { font-size: 13px; color: #1f5fd1; min-height: 1.2em; }
  #steps { font-family: monospace; font-size: 13px; overflow: auto;
           flex: 1; border: 1px solid #ddd; margin: 0; padding: 0.3em 0.3em 0.3em 3.5em; }
  #steps li { cursor: pointer; white-space: pre-wrap; overflow-wrap: anywhere;
              margin-bottom: 0.25em; }
  #steps li.done { color: #888; }
  #steps li.current { color: #b22222; font-weight: bold; background: #fff3cd; }
  #steps li.hidden { display: none; }
  .name { unicode-bidi: isolate; }
  /* The end of the pass first, so that the current step's colours, below, win on the last step */
  svg g.node.final polygon { fill: #eef6ff; }
  svg g.node.found polygon { stroke: #1f5fd1; stroke-width: 3; }
  svg g.node.pushing polygon, svg g.node.pushing ellipse { fill: #ffe08a; }
  svg g.node.receiving polygon { fill: #b9f0b9; }
  svg g.node.operation-active ellipse { fill: #ffe08a; }
</style>
</head>
<body>
<h1>{{TITLE}}</h1>
<p class="intro">Backward visits the graph from the output to the inputs. At each step one Value
(yellow) pushes its gradient through its operation to one input (green):
input.grad += &part;result/&part;input &times; result.grad.{{NAMING}}</p>
<div id="controls">
  <button id="start" type="button" title="Back to the start (Home)">Start</button>
  <button id="previous" type="button" title="Previous step (left arrow)">&#9664; Previous</button>
  <button id="next" type="button" title="Next step (right arrow)">Next &#9654;</button>
  <button id="play" type="button">Play</button>
  <label>step <input id="step-number" type="number" min="0" value="0"></label>
  <span id="position"></span>
  <input id="slider" type="range" min="0" value="0" aria-label="step">
  <input id="search" type="search" list="names" placeholder="find a value by name"
         aria-label="find a value by name">
  <datalist id="names"></datalist>
  <button id="find" type="button">Find</button>
  <label><input id="only" type="checkbox" disabled> only its steps</label>
</div>
<div id="explanation">
  <div id="rule"></div>
  <div id="numbers"></div>
  <div id="detail"></div>
</div>
<div id="main">
  <div id="view">
    {{SVG}}
    <div id="view-tools">
      <button id="zoom-in" type="button" title="Zoom in">+</button>
      <button id="zoom-out" type="button" title="Zoom out">&minus;</button>
      <button id="whole" type="button" title="Show the whole graph">Whole graph</button>
      <label><input id="follow" type="checkbox" checked> follow the step</label>
    </div>
  </div>
  <div id="side">
    <h2>Steps</h2>
    <div id="found"></div>
    <ol id="steps"></ol>
  </div>
</div>
<script>
"use strict";
const DATA = {{DATA}};
const steps = DATA.steps;
const values = new Map(DATA.values.map(v => [v.id, v]));
const view = document.getElementById("view");
const svg = view.querySelector("svg");
const graph = svg.querySelector("g.graph");
const MIN_SCALE = 0.8, MAX_SCALE = 1.4;  // boxes readable, never larger than the chain rule
let position = 0;  // how many steps have been applied
let timer = null;
let found = null;  // the id of the Value found by name
let box = null;  // the part of the graph shown: {x, y, w, h} in SVG units

// ---- the graph's geometry -----------------------------------------------------------------
// The drawing keeps its size (one SVG unit a pixel) and is moved and scaled by a CSS transform:
// the browser then only repaints it, where a new viewBox would lay the whole graph out again.
const whole = svg.viewBox.baseVal;
const wholeBox = {x: whole.x, y: whole.y, w: whole.width, h: whole.height};
svg.setAttribute("width", wholeBox.w);
svg.setAttribute("height", wholeBox.h);
let placement = {tx: 0, ty: 0, scale: 1};  // the transform that shows ``box``
const toSvg = graph.transform.baseVal.consolidate();
const matrix = toSvg ? toSvg.matrix : svg.createSVGMatrix();
const boxes = new Map();  // id -> the box of its group, in SVG units
function boxOf(id) {
  if (!boxes.has(id)) {
    const group = document.getElementById(id);
    if (!group) return null;
    const b = group.getBBox();
    const p = new DOMPoint(b.x, b.y).matrixTransform(matrix);
    const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(matrix);
    boxes.set(id, {x: Math.min(p.x, q.x), y: Math.min(p.y, q.y),
                   w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y)});
  }
  return boxes.get(id);
}
function union(ids) {
  const parts = ids.map(boxOf).filter(b => b);
  if (!parts.length) return null;
  const x = Math.min(...parts.map(b => b.x)), y = Math.min(...parts.map(b => b.y));
  const r = Math.max(...parts.map(b => b.x + b.w)), d = Math.max(...parts.map(b => b.y + b.h));
  return {x: x, y: y, w: r - x, h: d - y};
}

// ---- the view: zoom, drag, follow ---------------------------------------------------------
const OVERVIEW_BAND = 125;  // px at the bottom of the view that the overview may cover
function focusHeight() {  // the height in which a focused Value is placed, above the overview
  return Math.max(view.clientHeight / 2, view.clientHeight - OVERVIEW_BAND);
}
function scaleOf(b) {
  return Math.min(view.clientWidth / b.w, focusHeight() / b.h);
}
function showBox(b) {
  // b, in SVG units, fills the view (centred where its shape differs from the view's)
  box = b;
  const scale = Math.min(view.clientWidth / b.w, view.clientHeight / b.h);
  const tx = (view.clientWidth - b.w * scale) / 2 - (b.x - wholeBox.x) * scale;
  const ty = (view.clientHeight - b.h * scale) / 2 - (b.y - wholeBox.y) * scale;
  placement = {tx: tx, ty: ty, scale: scale};
  svg.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
  drawFrame();
}
function centred(cx, cy, scale) {
  // (cx, cy) in the middle of the part above the overview
  const w = view.clientWidth / scale, h = view.clientHeight / scale;
  return {x: cx - w / 2, y: cy - focusHeight() / scale / 2, w: w, h: h};
}
function focusOn(candidates, centre) {
  // The first set of Values that fits at a readable size; else the centre Value, centred.
  const margin = 40;
  for (const ids of candidates) {
    const b = union(ids);
    if (!b) continue;
    const padded = {x: b.x - margin, y: b.y - margin, w: b.w + 2 * margin, h: b.h + 2 * margin};
    const scale = Math.min(MAX_SCALE, scaleOf(padded));
    if (scale >= MIN_SCALE) {
      showBox(centred(b.x + b.w / 2, b.y + b.h / 2, scale));
      return;
    }
  }
  const b = boxOf(centre);
  if (b) showBox(centred(b.x + b.w / 2, b.y + b.h / 2, MIN_SCALE));
}
function showWhole() {
  showBox(wholeBox);
}
function zoom(factor, cx, cy) {
  const b = box || wholeBox;
  if (cx === undefined) { cx = b.x + b.w / 2; cy = b.y + b.h / 2; }
  showBox({x: cx - (cx - b.x) / factor, y: cy - (cy - b.y) / factor,
            w: b.w / factor, h: b.h / factor});
}
function svgPoint(event) {  // the point under the mouse, in SVG units
  const rect = view.getBoundingClientRect();
  const left = rect.left + view.clientLeft, top = rect.top + view.clientTop;
  return {x: wholeBox.x + (event.clientX - left - placement.tx) / placement.scale,
          y: wholeBox.y + (event.clientY - top - placement.ty) / placement.scale,
          scale: placement.scale};
}
view.addEventListener("wheel", event => {
  if (event.target.closest("#overview")) return;
  event.preventDefault();
  const p = svgPoint(event);
  zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, p.x, p.y);
}, {passive: false});
let drag = null;
view.addEventListener("pointerdown", event => {
  if (event.target.closest("#overview, #view-tools")) return;
  drag = {x: event.clientX, y: event.clientY, box: Object.assign({}, box || wholeBox),
          scale: svgPoint(event).scale};
  view.classList.add("dragging");
  view.setPointerCapture(event.pointerId);
});
view.addEventListener("pointermove", event => {
  if (!drag) return;
  showBox({x: drag.box.x - (event.clientX - drag.x) / drag.scale,
            y: drag.box.y - (event.clientY - drag.y) / drag.scale, w: drag.box.w, h: drag.box.h});
});
view.addEventListener("pointerup", () => { drag = null; view.classList.remove("dragging"); });
document.getElementById("zoom-in").addEventListener("click", () => zoom(1.25));
document.getElementById("zoom-out").addEventListener("click", () => zoom(1 / 1.25));
document.getElementById("whole").addEventListener("click", () => {
  document.getElementById("follow").checked = false;
  showWhole();
});
document.getElementById("follow").addEventListener("change", () => {
  if (following()) focusStep();
});
function following() { return document.getElementById("follow").checked; }

// ---- the overview: every Value as a small box, the current ones coloured -------------------
const SVG_NS = "http://www.w3.org/2000/svg";
const overview = document.createElementNS(SVG_NS, "svg");  // (made here, not in the markup)
overview.id = "overview";
overview.setAttribute("aria-label", "overview of the whole graph");
view.appendChild(overview);
overview.setAttribute("viewBox", `${wholeBox.x} ${wholeBox.y} ${wholeBox.w} ${wholeBox.h}`);
overview.setAttribute("preserveAspectRatio", "xMidYMid meet");
const miniature = new Map();
DATA.values.forEach(v => {
  const b = boxOf(v.id);
  if (!b) return;
  const rect = document.createElementNS(SVG_NS, "rect");
  for (const [key, value] of Object.entries({x: b.x, y: b.y, width: b.w, height: b.h})) {
    rect.setAttribute(key, value);
  }
  rect.setAttribute("class", "value");
  overview.appendChild(rect);
  miniature.set(v.id, rect);
});
const frame = document.createElementNS(SVG_NS, "rect");
frame.setAttribute("class", "frame");
frame.setAttribute("stroke-width", Math.max(wholeBox.w, wholeBox.h) / 110);
overview.appendChild(frame);
function drawFrame() {
  const b = box || wholeBox;
  frame.setAttribute("x", b.x); frame.setAttribute("y", b.y);
  frame.setAttribute("width", b.w); frame.setAttribute("height", b.h);
}
overview.addEventListener("click", event => {
  const rect = overview.getBoundingClientRect();
  const scale = Math.min(rect.width / wholeBox.w, rect.height / wholeBox.h);
  const left = rect.left + (rect.width - wholeBox.w * scale) / 2;
  const top = rect.top + (rect.height - wholeBox.h * scale) / 2;
  const x = wholeBox.x + (event.clientX - left) / scale;
  const y = wholeBox.y + (event.clientY - top) / scale;
  const b = box || wholeBox;
  document.getElementById("follow").checked = false;
  showBox({x: x - b.w / 2, y: y - b.h / 2, w: b.w, h: b.h});
});

// ---- the steps ----------------------------------------------------------------------------
const list = document.getElementById("steps");
steps.forEach((step, i) => {
  const item = document.createElement("li");
  item.value = i + 1;  // its step's number, also when the list is narrowed to some steps
  item.textContent = step.text;
  item.addEventListener("click", () => { stop(); go(i + 1); });
  list.appendChild(item);
});
const names = document.getElementById("names");
DATA.values.forEach(v => {
  const option = document.createElement("option");
  option.value = v.name;
  names.appendChild(option);
});
const gradTexts = new Map();
DATA.values.forEach(v => {
  const group = document.getElementById(v.id);
  if (!group) return;
  const texts = Array.from(group.querySelectorAll("text"));
  const text = texts.filter(t => t.textContent.startsWith("grad ")).pop();
  if (text) gradTexts.set(v.id, text);
});

function gradientsAfter(count) {
  const grads = {};
  DATA.values.forEach(v => { grads[v.id] = 0.0; });
  grads[DATA.root] = 1.0;
  for (let i = 0; i < count; i++) grads[steps[i].child] += steps[i].contribution;
  return grads;
}

function setClass(id, name, on) {
  const group = document.getElementById(id);
  if (group) group.classList.toggle(name, on);
  const rect = miniature.get(id);
  if (rect) rect.classList.toggle(name, on);
}

let marked = [];
const shownGrads = new Map();  // what each grad text shows: only changed ones are rewritten
let shownDone = false;
let listed = 0;  // the position the step list's colours show
function show() {
  const grads = gradientsAfter(position);
  gradTexts.forEach((text, id) => {
    const shown = "grad " + grads[id].toFixed(4);
    if (shownGrads.get(id) !== shown) { text.textContent = shown; shownGrads.set(id, shown); }
  });
  marked.forEach(([id, name]) => setClass(id, name, false));
  marked = [];
  const mark = (id, name) => { setClass(id, name, true); marked.push([id, name]); };
  const current = position > 0 ? steps[position - 1] : null;
  const done = position === steps.length;
  if (done !== shownDone) { DATA.values.forEach(v => setClass(v.id, "final", done)); }
  shownDone = done;
  if (current) {
    mark(current.node, "pushing");
    mark(current.node + "_op", "operation-active");
    mark(current.child, "receiving");
  }
  if (found) mark(found, "found");
  const rule = document.getElementById("rule");
  const numbers = document.getElementById("numbers");
  const detail = document.getElementById("detail");
  if (current) {
    rule.textContent = current.rule;
    numbers.textContent = current.numbers;
    detail.textContent = current.detail + (done ? "  That was the last step: every gradient "
      + "is now what backward() computes." : "");
  } else {
    rule.textContent = DATA.start_rule;
    numbers.textContent = "";
    detail.textContent = "The start: every gradient is 0 except the output's, which is 1. "
      + "Press Next (or the right arrow key) to take the first step.";
  }
  document.getElementById("position").textContent = "of " + steps.length;
  document.getElementById("step-number").value = position;
  document.getElementById("slider").value = position;
  const items = list.children;  // recolour only the items between the old and new position
  for (let i = Math.max(0, Math.min(listed, position) - 2);
       i < Math.min(steps.length, Math.max(listed, position) + 1); i++) {
    items[i].classList.toggle("done", i < position - 1);
    items[i].classList.toggle("current", i === position - 1);
  }
  listed = position;
  if (current) list.children[position - 1].scrollIntoView({block: "nearest"});
  document.getElementById("previous").disabled = position === 0;
  document.getElementById("start").disabled = position === 0;
  document.getElementById("next").disabled = done;
  if (following()) focusStep();
}

function focusStep() {
  const current = position > 0 ? steps[position - 1] : null;
  if (!current) {
    focusOn([[DATA.root, DATA.root + "_op", ...values.get(DATA.root).inputs]], DATA.root);
    return;
  }
  const node = values.get(current.node);
  // The Value being processed and its inputs; when they are too far apart to be read together,
  // the Value with the input that receives; else the Value alone (the overview shows the rest).
  focusOn([[current.node, current.node + "_op", ...node.inputs],
           [current.node, current.node + "_op", current.child],
           [current.node, current.node + "_op"]], current.node);
}

function go(to) {
  const number = Number(to);
  position = Math.max(0, Math.min(steps.length, Number.isFinite(number) ? Math.round(number) : 0));
  show();
}

function stop() {
  clearInterval(timer);
  timer = null;
  document.getElementById("play").textContent = "Play";
}

// ---- finding a Value by name ----------------------------------------------------------------
function find(text) {
  const wanted = text.trim();
  const lower = wanted.toLowerCase();
  const match = DATA.values.find(v => v.name === wanted)
    || DATA.values.find(v => v.name.toLowerCase().includes(lower));
  const foundLine = document.getElementById("found");
  const only = document.getElementById("only");
  if (found) setClass(found, "found", false);
  if (!wanted || !match) {
    found = null;
    foundLine.textContent = wanted ? "No value is called " + wanted + "." : "";
    only.checked = false;
    only.disabled = true;
    filterSteps();
    return;
  }
  found = match.id;
  const own = steps.filter(s => s.node === found || s.child === found).length;
  const grads = gradientsAfter(steps.length);
  foundLine.textContent = match.name + ": data " + match.data.toFixed(4) + ", grad "
    + grads[found].toFixed(4) + " at the end; " + own + " step" + (own === 1 ? "" : "s")
    + " push to it or from it.";
  only.disabled = false;
  document.getElementById("follow").checked = false;
  show();
  focusOn([[found, found + "_op", ...match.inputs]], found);
  filterSteps();
}
function filterSteps() {
  const only = document.getElementById("only").checked && found;
  steps.forEach((s, i) => {
    list.children[i].classList.toggle("hidden",
      Boolean(only) && s.node !== found && s.child !== found);
  });
}

// ---- controls -------------------------------------------------------------------------------
document.getElementById("slider").max = steps.length;
document.getElementById("step-number").max = steps.length;
document.getElementById("start").addEventListener("click", () => { stop(); go(0); });
document.getElementById("previous").addEventListener("click", () => { stop(); go(position - 1); });
document.getElementById("next").addEventListener("click", () => { stop(); go(position + 1); });
document.getElementById("play").addEventListener("click", () => {
  if (timer !== null) { stop(); return; }
  if (position === steps.length) go(0);
  document.getElementById("play").textContent = "Pause";
  timer = setInterval(() => {
    if (position >= steps.length) { stop(); return; }
    go(position + 1);
  }, 900);
});
document.getElementById("slider").addEventListener("input", event => {
  stop(); go(event.target.value);
});
document.getElementById("step-number").addEventListener("change", event => {
  stop(); go(event.target.value);
});
document.getElementById("find").addEventListener("click", () => {
  find(document.getElementById("search").value);
});
document.getElementById("search").addEventListener("keydown", event => {
  if (event.key === "Enter") find(event.target.value);
});
document.getElementById("only").addEventListener("change", filterSteps);
document.addEventListener("keydown", event => {
  if (event.target.tagName === "INPUT" && event.target.type !== "checkbox") return;
  if (event.key === "ArrowRight") { stop(); go(position + 1); }
  if (event.key === "ArrowLeft") { stop(); go(position - 1); }
  if (event.key === "Home") { stop(); go(0); }
  if (event.key === "End") { stop(); go(steps.length); }
});
window.addEventListener("resize", () => { if (following()) focusStep(); });
show();
</script>
</body>
</html>
"""
