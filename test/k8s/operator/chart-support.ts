// Renders this repository's Helm charts for the tests: values are merged as Helm merges
// them, validated against the chart's values.schema.json, then rendered by chart-render
// (Go text/template + sprig, built by test/k8s/setup/build-chart-renderer.sh).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dumpYaml, loadYaml, type KubernetesObject } from '@kubernetes/client-node';
import { repoRoot } from '../kubelet/image-table.js';
import { validateJsonSchema, type JsonSchema } from './json-schema.js';

const run = promisify(execFile);

export const CHARTS = path.join(repoRoot(), 'charts');

/** The cached chart-render binary for the current source (see build-chart-renderer.sh). */
export function chartRenderer(): string {
  const src = path.join(repoRoot(), 'test/k8s/setup/chart-render/main.go');
  const hash = createHash('sha256').update(fs.readFileSync(src)).digest('hex').slice(0, 16);
  const root = process.env.BROKERCLUSTER_CACHE ?? path.join(os.homedir(), '.cache/brokercluster');
  const bin = path.join(root, 'chart-render', hash, 'chart-render');
  if (!fs.existsSync(bin))
    throw new Error(
      `the chart renderer is not built (${bin}): run 'bash test/k8s/setup/build-chart-renderer.sh' (make chart-render)`
    );
  return bin;
}

type Values = Record<string, unknown>;

function isObj(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's merge: maps key by key, anything else replaced, null removes the key. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergeValues(out[k], v);
    else out[k] = v;
  }
  return out;
}

export class ValuesSchemaError extends Error {
  override readonly name = 'ValuesSchemaError';
  constructor(readonly problems: readonly string[]) {
    super(`values do not match values.schema.json:\n  ${problems.join('\n  ')}`);
  }
}

export interface Rendered {
  /** Parsed by client-node, whose typed models rename some fields (CRD schemas): for reading. */
  readonly objects: KubernetesObject[];
  /** Each manifest as rendered, in the same order as `objects`: for applying. */
  readonly texts: string[];
  readonly yaml: string;
  readonly notes: string;
}

/**
 * Renders chart `name` with `overrides` merged over its values.yaml, after validating the
 * merged values against the schema (throws ValuesSchemaError listing every problem).
 */
export async function renderChart(
  name: string,
  overrides: Values = {},
  release = { name: 'release', namespace: 'default' }
): Promise<Rendered> {
  const dir = path.join(CHARTS, name);
  const defaults = loadYaml<Values>(fs.readFileSync(path.join(dir, 'values.yaml'), 'utf8')) ?? {};
  const schema = JSON.parse(
    fs.readFileSync(path.join(dir, 'values.schema.json'), 'utf8')
  ) as JsonSchema;
  const problems = validateJsonSchema(schema, mergeValues(defaults, overrides));
  if (problems.length > 0) throw new ValuesSchemaError(problems);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-values-'));
  try {
    const file = path.join(tmp, 'values.yaml');
    fs.writeFileSync(file, dumpYaml(overrides));
    const args = [
      '--chart',
      dir,
      '--values',
      file,
      '--release',
      release.name,
      '--namespace',
      release.namespace,
    ];
    const { stdout } = await run(chartRenderer(), args, { timeout: 30_000 });
    const notes = (await run(chartRenderer(), [...args, '--notes'], { timeout: 30_000 })).stdout;
    const texts = stdout
      .split(/^---$/m)
      .map((t) => t.trim())
      .filter((t) => t.split('\n').some((l) => l.trim() !== '' && !l.startsWith('#')));
    const objects = texts.map((t) => loadYaml<KubernetesObject>(t));
    if (!objects.every((o) => isObj(o)))
      throw new Error('chart-render printed a manifest that is not an object');
    return { objects, texts, yaml: stdout, notes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
