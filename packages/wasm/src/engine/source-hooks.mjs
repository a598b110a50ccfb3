// @ts-check
// Module hooks for worker threads started from the TypeScript sources, as under vitest: Node 20 cannot strip
// types, so these transpile each .ts file, and they resolve workspace packages to their sources
// (`@rxmesh/source`) as vitest does for the test itself. node-starter.ts registers them in that case only.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SOURCE_CONDITION = '@rxmesh/source';

/** @type {import('node:module').ResolveHook} */
export function resolve(specifier, context, nextResolve) {
  const fromSources = { ...context, conditions: [...context.conditions, SOURCE_CONDITION] };
  // The sources name each other `./x.js` (NodeNext), and the engine names its worker scripts so too.
  const relative = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('file:');
  if (relative && specifier.endsWith('.js')) {
    const compiled = new URL(specifier, context.parentURL);
    const source = new URL(compiled.href.replace(/\.js$/, '.ts'));
    if (!existsSync(compiled) && existsSync(source)) return nextResolve(source.href, fromSources);
  }
  return nextResolve(specifier, fromSources);
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const { outputText } = ts.transpileModule(await readFile(new URL(url), 'utf8'), {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
