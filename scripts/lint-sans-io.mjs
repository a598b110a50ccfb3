// @ts-check
// packages/core is sans-IO: time and randomness come in as arguments, and nothing in it opens a socket or sets a
// timer. This check reads every non-test source file there with the TypeScript parser (so comments and strings do
// not count) and fails on any clock, timer, random source or network API, naming the file, line and what to do.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// The folders to check may be given as arguments (the check's own test does); by default, all of core.
const SANS_IO_ROOTS = process.argv.length > 2 ? process.argv.slice(2) : ['packages/core/src'];

/** Globals that read the clock, schedule work or touch the network. */
const FORBIDDEN_GLOBALS = new Set([
  'Date',
  'performance',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'queueMicrotask',
  'requestAnimationFrame',
  'fetch',
  'WebSocket',
  'XMLHttpRequest',
  'RTCPeerConnection',
  'process',
]);
/** Names of the global object, through which a global can be reached too. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self']);
/** Member reads that are a clock or a random source. */
const FORBIDDEN_MEMBERS = new Set(['Math.random', 'crypto.getRandomValues', 'crypto.randomUUID']);
/** Modules that open sockets or read the clock. */
const FORBIDDEN_MODULES =
  /^(node:)?(net|dgram|http|https|http2|tls|dns|timers|timers\/promises|perf_hooks|child_process|worker_threads)$|^(ws|peerjs|undici)$/;

/** @param {string} dir @returns {string[]} */
function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** @param {ts.Node} node */
function isDeclarationName(node) {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    (ts.isPropertyDeclaration(parent) && parent.name === node) ||
    (ts.isPropertySignature(parent) && parent.name === node) ||
    (ts.isMethodDeclaration(parent) && parent.name === node) ||
    (ts.isMethodSignature(parent) && parent.name === node) ||
    (ts.isParameter(parent) && parent.name === node) ||
    (ts.isVariableDeclaration(parent) && parent.name === node) ||
    (ts.isBindingElement(parent) && (parent.name === node || parent.propertyName === node)) ||
    ts.isQualifiedName(parent) ||
    ts.isTypeReferenceNode(parent)
  );
}

/** @param {string} file @returns {string[]} */
function sansIoViolations(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  /** @type {string[]} */
  const found = [];
  /** @param {ts.Node} node @param {string} what */
  const report = (node, what) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${relative(repoRoot, file)}:${line + 1}: ${what}`);
  };
  /** @param {ts.Node} node */
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      const module = /** @type {ts.StringLiteral} */ (node.moduleSpecifier).text;
      if (FORBIDDEN_MODULES.test(module)) report(node, `imports '${module}'`);
    } else if (ts.isPropertyAccessExpression(node) && FORBIDDEN_MEMBERS.has(node.getText(source))) {
      report(node, `uses ${node.getText(source)}`);
    } else if (
      ts.isPropertyAccessExpression(node) &&
      GLOBAL_OBJECTS.has(node.expression.getText(source)) &&
      FORBIDDEN_GLOBALS.has(node.name.text)
    ) {
      report(node, `uses ${node.getText(source)}`);
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text) && !isDeclarationName(node)) {
      report(node, `uses ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const violations = SANS_IO_ROOTS.flatMap((root) => sourceFiles(resolve(repoRoot, root))).flatMap(sansIoViolations);
if (violations.length > 0) {
  process.stderr.write(
    `${violations.join('\n')}\n\npackages/core is sans-IO: take the time (now) and randomness as arguments, return the ` +
      'next deadline instead of setting a timer, and do I/O in packages/mesh or apps/.\n',
  );
  process.exit(1);
}
process.stdout.write(`sans-IO check: ${SANS_IO_ROOTS.join(', ')} reads no clock, sets no timer and opens no socket.\n`);
