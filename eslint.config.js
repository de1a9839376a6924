// ESLint for the project's own browser scripts (static/js), run by `make lint-js` (part of
// `make test`) from the npm lockfile. The scripts are plain scripts loaded in order by the
// templates (strict CSP: no inline scripts); each publishes its one module on `window`.
"use strict";
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  // Copied vendor assets (tools/copy_assets.py) and installed packages are not ours to lint.
  { ignores: ["static/vendor/**", "staticfiles/**", "node_modules/**", ".venv/**", "var/**", "artifacts/**"] },
  {
    files: ["static/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-var": "off",
      eqeqeq: ["error", "always"],
      strict: ["error", "function"],
      "no-use-before-define": ["error", { functions: false, classes: true, variables: false }],
      "no-prototype-builtins": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-throw-literal": "error",
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "Build nodes with Fa.el/textContent: never HTML from text." },
        { property: "outerHTML", message: "Build nodes with Fa.el/textContent: never HTML from text." },
        { object: "document", property: "write", message: "No document.write." }],
      "no-restricted-syntax": ["error",
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "No HTML from text." }],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
