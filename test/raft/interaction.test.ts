/**
 * Golden-file interaction tests: each testdata/*.txt holds `command args` / `----` / expected
 * output blocks (separated by a blank line). `UPDATE=1 npm test -- test/raft` rewrites the
 * expected output from the actual one.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InteractionEnv, parseCommand } from './interaction-env.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env['UPDATE'] === '1';

interface Block {
  /** Comment and blank lines before the command, kept verbatim. */
  readonly preamble: string[];
  readonly command: string;
  readonly line: number;
  readonly expected: string;
}

function parseFile(text: string): { blocks: Block[]; trailer: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let preamble: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as string;
    if (l.trim() === '' || l.startsWith('#')) {
      preamble.push(l);
      i++;
      continue;
    }
    const command = l;
    const line = i + 1;
    i++;
    if (lines[i] !== '----') throw new Error(`line ${line + 1}: expected ---- after command`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] as string) !== '') {
      out.push(lines[i] as string);
      i++;
    }
    blocks.push({ preamble, command, line, expected: out.join('\n') });
    preamble = [];
  }
  return { blocks, trailer: preamble };
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('interaction scripts', () => {
  test('there are scripts to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  test.each(files)('%s', (file) => {
    const path = join(DIR, file);
    const { blocks } = parseFile(readFileSync(path, 'utf8'));
    const env = new InteractionEnv();
    const rewritten: string[] = [];
    for (const b of blocks) {
      const actual = env.run(parseCommand(b.command, b.line));
      if (UPDATE) {
        rewritten.push(...b.preamble);
        rewritten.push(b.command, '----', actual === '' ? 'ok' : actual);
      } else {
        expect(`${file}:${b.line} ${b.command}\n${actual === '' ? 'ok' : actual}`).toBe(
          `${file}:${b.line} ${b.command}\n${b.expected}`
        );
      }
    }
    if (UPDATE) {
      // Keep one blank line between blocks.
      const out: string[] = [];
      for (const l of rewritten) {
        if (l === '' && out[out.length - 1] === '') continue;
        out.push(l);
      }
      writeFileSync(path, `${out.join('\n').replace(/\n+$/, '')}\n`);
    }
  });
});
