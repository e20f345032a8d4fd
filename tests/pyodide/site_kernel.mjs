// Starts Pyodide on Node.js the way a JupyterLite site's kernel does: the site's own Pyodide
// core and lock, packages loaded from the site's files only (no /repo mount, no network),
// then runs a Python script and prints what it prints.
//   node site_kernel.mjs SITE_DIR SCRIPT.py PACKAGE...   (PACKAGES are loaded from the lock)
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";
import path from "node:path";

const [site, script, ...packages] = process.argv.slice(2);
const indexURL = path.join(path.resolve(site), "static", "pyodide") + path.sep;
const py = await loadPyodide({
  indexURL,
  lockFileURL: path.join(path.resolve(site), "static", "pyodide-lock", "pyodide-lock.json"),
  stdout: (s) => console.log(s),
  stderr: (s) => console.error(s),
});
try {
  await py.loadPackage(packages, { messageCallback: () => {}, errorCallback: (m) => console.error(m) });
  await py.runPythonAsync(readFileSync(script, "utf8"));
} catch (err) {
  console.error(String(err));
  process.exit(1);
}
