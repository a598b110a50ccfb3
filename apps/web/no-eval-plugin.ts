// The page's Content-Security-Policy allows `'wasm-unsafe-eval'` and never `'unsafe-eval'` (apps/signal's
// security-headers plugin), so no JavaScript in the web bundle may compile strings to code. This plugin keeps it so:
// - typebox checks values by compiling each schema to a function when it can, and finds out whether it can by
//   running `new Function('null')()` the first time a check is built. Under the page's CSP that probe fails and
//   typebox interprets the schema instead, which is what the page has always done, but Firefox reports the blocked
//   probe as an error on the console. For the web bundle the plugin replaces typebox's probe with a module that
//   answers "no" without trying, so the page takes the interpreted path from the start. Node keeps the compiled
//   checks: the probe lives in that one module, and only this build swaps it out.
// - After the build, every script in the bundle is searched for `eval(` and `Function(` (as in `new Function(`,
//   `globalThis.Function(` and `new (globalThis.Function)(`), and the build fails on a match: a dependency that
//   brings one back is caught at build time, not on a contributor's console.
import type { Plugin } from 'vite';

/** typebox's probe and evaluator, the one module in typebox that calls `new Function`. */
const TYPEBOX_EVALUATE = /[\\/]node_modules[\\/]typebox[\\/]build[\\/]system[\\/]environment[\\/]evaluate\.mjs$/;

const TYPEBOX_EVALUATE_REPLACEMENT = `
/** rxmesh's web build: the page's CSP forbids evaluating strings, so typebox interprets its schemas. */
export function CanEvaluate() {
  return false;
}
export function Evaluate() {
  throw new Error('typebox may not compile code in the rxmesh web page: its CSP has no unsafe-eval');
}
`;

/** Code that compiles a string to JavaScript, in the forms bundlers and minifiers leave it in. */
const STRING_EVALUATION = /\beval\s*\(|\bFunction\s*\)?\s*\(/g;

/** Each place in `code` that evaluates a string, with some code on either side. */
export function findStringEvaluation(code: string): string[] {
  return [...code.matchAll(STRING_EVALUATION)].map((match) =>
    code.slice(Math.max(0, match.index - 80), match.index + match[0].length + 40),
  );
}

export function noEval(): Plugin {
  return {
    name: 'rxmesh-no-eval',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      return TYPEBOX_EVALUATE.test(id.split('?')[0] ?? id) ? TYPEBOX_EVALUATE_REPLACEMENT : null;
    },
    generateBundle(_options, bundle) {
      const found: string[] = [];
      for (const output of Object.values(bundle)) {
        const code =
          output.type === 'chunk'
            ? output.code
            : output.fileName.endsWith('.js') && typeof output.source === 'string'
              ? output.source
              : undefined;
        if (code === undefined) continue;
        for (const excerpt of findStringEvaluation(code)) found.push(`${output.fileName}: …${excerpt}…`);
      }
      if (found.length > 0) {
        this.error(
          "The web bundle evaluates strings as JavaScript, which the page's CSP forbids (no 'unsafe-eval'):\n" +
            `${found.join('\n')}\nFind the module that does (a dependency's code path) and avoid it or replace it ` +
            'in apps/web/no-eval-plugin.ts.',
        );
      }
    },
  };
}
