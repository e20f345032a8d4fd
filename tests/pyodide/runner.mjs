// Runs a Python script inside Pyodide on Node.js, with the repository mounted read-only
// at /repo and importable, and prints what the script prints.
//   node runner.mjs REPO_ROOT SCRIPT.py [ARGS...]   (ARGS become sys.argv[1:])
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";

const [repo, script, ...args] = process.argv.slice(2);
const py = await loadPyodide({ stdout: (s) => console.log(s), stderr: (s) => console.error(s) });
py.FS.mkdirTree("/repo");
py.FS.mount(py.FS.filesystems.NODEFS, { root: repo }, "/repo");
py.globals.set("pylearn_argv", py.toPy([script, ...args]));
py.runPython("import sys; sys.path.insert(0, '/repo'); sys.argv = list(pylearn_argv)");
try {
  await py.runPythonAsync(readFileSync(script, "utf8"));
} catch (err) {
  console.error(String(err));
  process.exit(1);
}
