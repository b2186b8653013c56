// The Playground's Web Worker: Python (Pyodide) with this site's copy of MiniGrad, and Graphviz
// compiled to WebAssembly (@viz-js/viz). The page sends {id, kind, ...}; the worker answers with
// what the code prints and shows ({kind: "stdout" | "stderr" | "svg" | "page" | "training"}),
// then {kind: "done", id, result}. Everything is loaded from this site.
import { loadPyodide } from "./vendor/pyodide/pyodide.mjs";
import { instance as vizInstance } from "./vendor/viz/viz.js";

const send = (kind, data) => self.postMessage({ kind, data });

async function start() {
  const [pyodide, viz] = await Promise.all([
    loadPyodide({
      indexURL: new URL("./vendor/pyodide/", import.meta.url).href,
      stdout: (line) => send("stdout", line + "\n"),
      stderr: (line) => send("stderr", line + "\n"),
    }),
    vizInstance(),
    // the packages (minigrad, graphviz's Python package, the page's playground module)
  ]);
  const archive = await fetch(new URL("./python-packages.zip", import.meta.url));
  if (!archive.ok) throw new Error(`python-packages.zip: HTTP ${archive.status}`);
  pyodide.unpackArchive(await archive.arrayBuffer(), "zip", { extractDir: "/home/pyodide/site" });
  self.renderDot = (text, engine, format) => viz.renderString(text, { engine, format });
  self.send = send;
  pyodide.runPython(
    "import sys; sys.path.insert(0, '/home/pyodide/site'); import os; os.chdir('/home/pyodide')",
  );
  return pyodide.pyimport("playground");
}

const ready = start();
ready.then(
  () => send("ready", null),
  (error) => send("failed", String(error && error.stack ? error.stack : error)),
);

self.onmessage = async (event) => {
  const { id, kind, args } = event.data;
  let result = null;
  try {
    const playground = await ready;
    const started = performance.now();
    result = playground[kind](...args);
    self.postMessage({ kind: "done", id, result, ms: performance.now() - started });
  } catch (error) {
    send("stderr", String(error && error.message ? error.message : error) + "\n");
    self.postMessage({ kind: "done", id, result: null, error: true });
  }
};
