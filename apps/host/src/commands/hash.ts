// `rxmesh hash`: RandomX hashes of given (key, input) pairs, one at a time or as JSON lines.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { bytesToHex, hexToBytes, RANDOMX_VARIANTS, type RandomxVariant } from '@rxmesh/core';
import { Command, Option } from 'commander';
import { ENGINE_CHOICES, type EngineChoice, type KeyedHasher, openKeyedHasher } from '../engines.js';
import { CliError } from '../errors.js';

interface HashOptions {
  impl: EngineChoice;
  variant: RandomxVariant;
  keyHex?: string;
  inputHex?: string;
  jsonl?: string;
}

export function hashCommand(): Command {
  return new Command('hash')
    .description('Print RandomX hashes, for one key and input or for a file of JSON lines.')
    .addOption(
      new Option('--impl <engine>', 'hashing engine; auto is native librandomx, or WebAssembly when it is missing')
        .choices(ENGINE_CHOICES)
        .default('auto'),
    )
    .addOption(new Option('--variant <name>', 'RandomX variant').choices(RANDOMX_VARIANTS).default('rx/0'))
    .option('--key-hex <hex>', 'the key (seed), in hex; use with --input-hex')
    .option('--input-hex <hex>', 'the input to hash, in hex; prints the 32-byte hash in hex')
    .option(
      '--jsonl <file>',
      'read {"key":hex,"input":hex} lines from FILE (- for stdin) and print {"hash":hex} lines in the same order',
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  rxmesh hash --impl native --key-hex 74657374206b657920303030 --input-hex 5468697320697320612074657374\n' +
        '  rxmesh hash --impl native --jsonl pairs.jsonl > hashes.jsonl',
    )
    .action(async (options: HashOptions) => {
      const single = options.keyHex !== undefined || options.inputHex !== undefined;
      if (single === (options.jsonl !== undefined)) {
        throw new CliError('Give either --key-hex with --input-hex, or --jsonl FILE.', 2);
      }
      if (options.jsonl !== undefined) {
        await hashJsonLines(options.impl, options.variant, options.jsonl);
        return;
      }
      if (options.keyHex === undefined || options.inputHex === undefined) {
        throw new CliError('--key-hex and --input-hex go together; give both.', 2);
      }
      const key = parseHexFlag('--key-hex', options.keyHex);
      const input = parseHexFlag('--input-hex', options.inputHex);
      const hasher = await openKeyedHasher(options.impl, options.variant, warnOnStderr);
      try {
        await hasher.useKey(key);
        process.stdout.write(`${bytesToHex(await hasher.hash(input))}\n`);
      } finally {
        hasher.release();
      }
    });
}

// stderr, so that stdout stays exactly one hash per input.
const warnOnStderr = (message: string) => process.stderr.write(`rxmesh: ${message}\n`);

function parseHexFlag(flag: string, value: string): Uint8Array {
  try {
    return hexToBytes(value);
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`, 2);
  }
}

async function hashJsonLines(engine: EngineChoice, variant: RandomxVariant, file: string): Promise<void> {
  // The engine first: lines that arrive before the loop below starts reading would be lost.
  const hasher: KeyedHasher = await openKeyedHasher(engine, variant, warnOnStderr);
  const stream = file === '-' ? process.stdin : createReadStream(file);
  stream.on('error', () => {}); // reported by the readline loop below
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  // One cache at a time: consecutive lines with the same key reuse it.
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      const { key, input } = parseJsonLine(line, lineNumber);
      await hasher.useKey(key);
      process.stdout.write(`${JSON.stringify({ hash: bytesToHex(await hasher.hash(input)) })}\n`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`--jsonl: ${file} does not exist.`);
    throw error;
  } finally {
    hasher.release();
  }
}

function parseJsonLine(line: string, lineNumber: number): { key: Uint8Array; input: Uint8Array } {
  const where = `--jsonl line ${lineNumber}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new CliError(`${where} is not JSON. Each line must look like {"key":"<hex>","input":"<hex>"}.`);
  }
  const { key, input } = (parsed ?? {}) as { key?: unknown; input?: unknown };
  if (typeof key !== 'string' || typeof input !== 'string') {
    throw new CliError(`${where} needs string fields "key" and "input", both hex.`);
  }
  try {
    return { key: hexToBytes(key), input: hexToBytes(input) };
  } catch (error) {
    throw new CliError(`${where}: ${(error as Error).message}`);
  }
}
