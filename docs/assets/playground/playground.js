// The Playground page: the editor (CodeMirror), Run and Stop, the output, the pictures and the
// live training panel. Python runs in a Web Worker (worker.js), so the page stays responsive;
// Stop ends that worker and starts a fresh one.
(function () {
  "use strict";
  const root = document.getElementById("mg-playground");
  if (!root) return;
  const here = document.currentScript.src;
  const status = document.getElementById("mg-status");
  const output = document.getElementById("mg-output");

  if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
    root.innerHTML = '<p class="mg-unsupported">The Playground needs WebAssembly and Web ' +
      "Workers, which this browser does not offer (or has turned off).</p>";
    return;
  }

  const editor = CodeMirror(document.getElementById("mg-editor"), {
    value: "",
    mode: "python",
    lineNumbers: true,
    indentUnit: 4,
    viewportMargin: Infinity,
    extraKeys: {
      "Ctrl-Enter": () => run(),
      "Cmd-Enter": () => run(),
      "Shift-Enter": () => run(),
      Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
    },
  });
  root.editor = editor; // for the tests and the curious

  // ---- the worker --------------------------------------------------------------------------
  let worker = null;
  let ready = false;
  let busy = false;
  let pending = null; // a run asked for before Python was ready
  let nextId = 0;
  const waiting = new Map(); // id -> function called with the answer

  function startWorker() {
    ready = false;
    busy = false;
    setStatus("Loading Python…");
    worker = new Worker(new URL("worker.js", here), { type: "module" });
    worker.onmessage = (event) => receive(event.data);
    worker.onerror = (event) => {
      write("stderr", `The Python worker failed: ${event.message || "could not start"}\n`);
      setStatus("Python could not start");
    };
  }

  function call(kind, args, onDone) {
    const id = ++nextId;
    waiting.set(id, onDone);
    busy = true;
    root.dataset.state = "running";
    worker.postMessage({ id, kind, args });
  }

  function receive(message) {
    const { kind, data } = message;
    if (kind === "ready") {
      ready = true;
      setStatus("Ready");
      if (pending) {
        const code = pending;
        pending = null;
        run(code);
      }
    } else if (kind === "failed") {
      write("stderr", "Python could not start: " + data + "\n");
      setStatus("Python could not start");
    } else if (kind === "stdout" || kind === "stderr") {
      write(kind, data);
    } else if (kind === "svg") {
      showSvg(data);
    } else if (kind === "page") {
      showPage(data);
    } else if (kind === "training") {
      training.open(JSON.parse(data));
      write("note", "(the panel above trains this network: Start, Pause, learning rate, width)\n");
    } else if (kind === "done") {
      busy = false;
      root.dataset.state = "ready";
      const onDone = waiting.get(message.id);
      waiting.delete(message.id);
      if (onDone) onDone(message);
      if (pending && !busy) {
        const code = pending;
        pending = null;
        run(code);
      }
    }
  }

  function setStatus(text) {
    status.textContent = text;
    root.dataset.state = ready ? (busy ? "running" : "ready") : "loading";
  }

  // ---- running code ------------------------------------------------------------------------
  function run(code) {
    code = typeof code === "string" ? code : editor.getValue();
    training.pause();
    if (!ready || busy) {
      pending = code; // run as soon as Python is ready, or has finished what it is doing
      if (!ready) setStatus("Loading Python… (the code runs when it is ready)");
      return;
    }
    output.replaceChildren();
    training.close();
    const started = performance.now();
    call("run", [code], (answer) => {
      const seconds = (performance.now() - started) / 1000;
      if (!output.hasChildNodes()) write("note", "(the code ran and printed nothing)\n");
      setStatus(`Ran in ${seconds.toFixed(2)} s`);
      root.dataset.runs = String(Number(root.dataset.runs || 0) + 1);
    });
    setStatus("Running…");
  }

  function stop() {
    if (!worker) return;
    worker.terminate();
    waiting.clear();
    training.pause();
    training.close();
    pending = null;
    write("stderr", "Stopped. Python starts afresh: names defined before are gone.\n");
    startWorker();
  }

  function write(kind, text) {
    const last = output.lastElementChild;
    if (last && last.tagName === "PRE" && last.dataset.kind === kind) {
      last.textContent += text;
    } else {
      const block = document.createElement("pre");
      block.className = "mg-" + kind;
      block.dataset.kind = kind;
      block.textContent = text;
      output.append(block);
    }
  }

  function showSvg(svgText) {
    // Graphviz's own SVG: every name in it is text that Graphviz escaped.
    const figure = document.createElement("div");
    figure.className = "mg-figure";
    figure.innerHTML = svgText;
    output.append(figure);
  }

  let pageUrl = null;
  function showPage(html) {
    // The page runs in a sandboxed frame: its scripts work, it cannot touch this page.
    if (pageUrl) URL.revokeObjectURL(pageUrl);
    pageUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    document.getElementById("mg-page").hidden = false; // first: the page lays out at its size
    document.getElementById("mg-page-frame").src = pageUrl;
    document.getElementById("mg-page-open").href = pageUrl;
    write("note", "(the step-through page is open beside the code)\n");
  }
  document.getElementById("mg-page-close").onclick = () => {
    // A new, empty frame: the page is ended, not left running hidden at zero size
    const frame = document.getElementById("mg-page-frame");
    const empty = frame.cloneNode(false);
    empty.removeAttribute("src");
    frame.replaceWith(empty);
    document.getElementById("mg-page").hidden = true;
  };

  // ---- the live training panel ------------------------------------------------------------
  const training = (function () {
    const panel = document.getElementById("mg-training");
    const button = document.getElementById("mg-train");
    const rate = document.getElementById("mg-lr");
    const rateShown = document.getElementById("mg-lr-value");
    const width = document.getElementById("mg-width");
    const numbers = document.getElementById("mg-training-numbers");
    const boundary = document.getElementById("mg-boundary");
    const lossCanvas = document.getElementById("mg-loss");
    let setup = null;
    let running = false;
    let losses = [];

    rate.oninput = () => (rateShown.textContent = Number(rate.value).toFixed(2));
    button.onclick = () => (running ? pause() : resume());
    width.onchange = () => reset();
    document.getElementById("mg-reset").onclick = () => reset();

    function open(data) {
      setup = data;
      losses = [];
      rate.value = data.learning_rate;
      rateShown.textContent = Number(rate.value).toFixed(2);
      width.value = String(data.width);
      panel.hidden = false;
      draw({ step: 0, losses: [], accuracy: null, boundary: data.boundary });
    }
    function close() {
      running = false;
      setup = null;
      panel.hidden = true;
      button.textContent = "Start";
    }
    function pause() {
      running = false;
      button.textContent = "Start";
      root.dataset.training = "paused";
    }
    function resume() {
      if (!setup || !ready) return;
      running = true;
      button.textContent = "Pause";
      root.dataset.training = "running";
      if (!busy) next();
    }
    function next() {
      if (!running || !setup) return;
      // A few steps a message: each answer redraws the panel, and Pause is heard in between.
      call("train_steps", [3, Number(rate.value), Number(width.value)], (answer) => {
        if (answer.error) return pause();
        if (!setup) return;
        draw(JSON.parse(answer.result));
        setTimeout(next, 0);
      });
    }
    function reset() {
      if (!setup || !ready) return;
      const wasRunning = running;
      running = false;
      const go = () =>
        call("reset_training", [Number(width.value)], (answer) => {
          losses = [];
          if (answer.result) draw(JSON.parse(answer.result));
          if (wasRunning) resume();
        });
      if (busy) setTimeout(reset, 50);
      else go();
    }
    function draw(state) {
      losses = state.step === 0 ? [] : losses.concat(state.losses);
      const accuracy = state.accuracy === null ? "–" : `${Math.round(state.accuracy * 100)} %`;
      numbers.textContent =
        `step ${state.step} · loss ${losses.length ? losses[losses.length - 1].toFixed(4) : "–"}` +
        ` · accuracy ${accuracy}`;
      root.dataset.step = String(state.step);
      root.dataset.accuracy = state.accuracy === null ? "" : String(state.accuracy);
      drawBoundary(state.boundary);
      drawLoss();
    }
    function drawBoundary(scores) {
      const context = boundary.getContext("2d");
      const size = boundary.width;
      const n = setup.grid;
      const cell = size / n;
      const [xLow, xHigh, yLow, yHigh] = setup.box;
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const s = scores[j * n + i];
          context.fillStyle = s > 0 ? "#f6c9a5" : "#b8d4ef"; // the class the network predicts
          context.fillRect(Math.floor(i * cell), Math.floor(j * cell), Math.ceil(cell), Math.ceil(cell));
        }
      }
      // the boundary itself: where the score changes sign between neighbouring squares
      context.fillStyle = "#333";
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const s = scores[j * n + i] > 0;
          if (i + 1 < n && (scores[j * n + i + 1] > 0) !== s)
            context.fillRect(Math.round((i + 1) * cell) - 1, Math.round(j * cell), 2, Math.ceil(cell));
          if (j + 1 < n && (scores[(j + 1) * n + i] > 0) !== s)
            context.fillRect(Math.round(i * cell), Math.round((j + 1) * cell) - 1, Math.ceil(cell), 2);
        }
      }
      setup.points.forEach((point, k) => {
        const x = ((point[0] - xLow) / (xHigh - xLow)) * size;
        const y = ((yHigh - point[1]) / (yHigh - yLow)) * size;
        context.beginPath();
        context.arc(x, y, 4, 0, 2 * Math.PI);
        context.fillStyle = setup.labels[k] > 0 ? "#d9622b" : "#1f6fc0";
        context.fill();
        context.strokeStyle = "#222";
        context.lineWidth = 1;
        context.stroke();
      });
      boundary.dataset.drawn = "yes";
    }
    function drawLoss() {
      const context = lossCanvas.getContext("2d");
      const w = lossCanvas.width, h = lossCanvas.height, left = 44, bottom = 28;
      context.clearRect(0, 0, w, h);
      context.fillStyle = "white";
      context.fillRect(0, 0, w, h);
      context.strokeStyle = "#888";
      context.strokeRect(left, 8, w - left - 8, h - bottom - 8);
      context.fillStyle = "#333";
      context.font = "12px sans-serif";
      context.fillText("loss", 6, 16);
      context.fillText(`step ${losses.length}`, w - 70, h - 8);
      if (!losses.length) return;
      const top = Math.max(...losses), span = top || 1;
      context.fillText(top.toFixed(2), 6, 30);
      context.fillText("0", 30, h - bottom);
      context.beginPath();
      losses.forEach((loss, k) => {
        const x = left + ((w - left - 8) * k) / Math.max(losses.length - 1, 1);
        const y = 8 + (h - bottom - 8) * (1 - loss / span);
        k ? context.lineTo(x, y) : context.moveTo(x, y);
      });
      context.strokeStyle = "#3f51b5";
      context.lineWidth = 2;
      context.stroke();
    }
    return { open, close, pause };
  })();

  // ---- examples and the code a page's Run button sends ------------------------------------
  async function loadExample(name) {
    const answer = await fetch(new URL(`examples/${name}.py`, here));
    editor.setValue(await answer.text());
    root.dataset.example = name;
  }
  root.querySelectorAll("[data-example]").forEach((button) => {
    button.onclick = () => loadExample(button.dataset.example);
  });
  document.getElementById("mg-run").onclick = () => run();
  document.getElementById("mg-stop").onclick = stop;

  function codeFromAddress() {
    // ?code=<the code, UTF-8 in base64url>: what a Run link of another page sends (and, with
    // &run=0, an exercise's link: the code is opened to be filled in, not run)
    const sent = new URLSearchParams(location.search).get("code");
    if (sent === null) return null;
    const base64 = sent.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }

  startWorker();
  const sent = codeFromAddress();
  if (sent !== null) {
    editor.setValue(sent);
    if (new URLSearchParams(location.search).get("run") === "0") {
      write("note", "(the exercise is in the editor: fill in its answers, then Run)\n");
    } else {
      run(sent);
    }
  } else {
    loadExample("neuron");
  }
})();
