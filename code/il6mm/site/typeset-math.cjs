// Typeset TeX once, at build time, as MathJax's CommonHTML output (the same engine, fonts and settings the
// pages loaded in the reader's browser before), so that a page shows its equations with no script.
// Reads JSON from stdin: {"pages": [{"fontURL": "...", "items": [[tex, display], ...]}, ...]}
// Writes JSON to stdout: {"pages": [{"css": "...", "html": ["<mjx-container ...>", ...]}, ...]}
// One MathJax document per page, so each page's stylesheet holds only the characters it shows.
// Called by il6mm/site/light.py; mathjax-full is pinned by package-lock.json.
"use strict";

const {mathjax} = require("mathjax-full/js/mathjax.js");
const {TeX} = require("mathjax-full/js/input/tex.js");
const {CHTML} = require("mathjax-full/js/output/chtml.js");
const {liteAdaptor} = require("mathjax-full/js/adaptors/liteAdaptor.js");
const {RegisterHTMLHandler} = require("mathjax-full/js/handlers/html.js");
const {AssistiveMmlHandler} = require("mathjax-full/js/a11y/assistive-mml.js");
const {AllPackages} = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
// Hidden MathML beside each equation for screen readers, as the browser component added it.
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
// Every TeX package but the two that load code at run time (nothing is loaded here).
const packages = AllPackages.filter((name) => name !== "autoload" && name !== "require");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const pages = request.pages.map((page, pageIndex) => {
    const tex = new TeX({packages});
    const chtml = new CHTML({fontURL: page.fontURL});
    const doc = mathjax.document("", {InputJax: tex, OutputJax: chtml});
    const html = page.items.map(([source, display], index) => {
      const node = doc.convert(source, {display});
      const errors = adaptor.tags(node, "mjx-merror");
      if (errors.length) {
        // One line that Python turns into the page's name: "page P item I (TeX): TeX's message".
        process.stderr.write(`page ${pageIndex} item ${index} (${JSON.stringify(source).slice(0, 80)}): ` +
                             `${adaptor.getAttribute(errors[0], "data-mjx-error")}\n`);
        process.exit(1);
      }
      return adaptor.outerHTML(node);
    });
    return {css: adaptor.textContent(chtml.styleSheet(doc)), html};
  });
  process.stdout.write(JSON.stringify({pages}));
});
