// Lints the pages' hand-written scripts (make lint-js): the explorer and the training view. Each is a classic script
// in a browser; the explorer's OPS and $py come from the op table's generated script that runs before it.
import js from "@eslint/js";

const browser = ["document", "window", "getComputedStyle", "setInterval", "clearInterval"];

export default [
  js.configs.recommended,
  {
    files: ["autograd_mini/explorer_assets/*.js", "autograd_mini/training_assets/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: Object.fromEntries([...browser, "OPS", "$py"].map(name => [name, "readonly"])),
    },
    rules: {
      "no-unused-vars": ["error", {args: "after-used", destructuredArrayIgnorePattern: "^_"}],
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The explorer's and the quiz page's scripts run after view.js, which defines makeView.
    files: ["autograd_mini/explorer_assets/explorer.js", "autograd_mini/explorer_assets/quiz.js"],
    languageOptions: {globals: {makeView: "readonly"}},
  },
];
