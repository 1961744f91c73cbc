// Lints the explorer page's hand-written script (make lint-js). The page is a classic script
// in a browser; OPS and $py come from the op table's generated script that runs before it.
import js from "@eslint/js";

const browser = ["document", "window", "getComputedStyle", "setInterval", "clearInterval"];

export default [
  js.configs.recommended,
  {
    files: ["autograd_mini/explorer_assets/*.js"],
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
];
