import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnknownImageError } from './errors.js';

/** What a container image means here: the program a "container" of it runs. */
export interface ImageEntry {
  /** The image's ENTRYPOINT: replaced by the container's `command` when that is set. */
  readonly entrypoint: readonly string[];
  /** The image's CMD: replaced by the container's `args` when those are set. */
  readonly cmd: readonly string[];
  /** A file that must exist for the image to run (the built program), with how to make it. */
  readonly requires?: { readonly file: string; readonly hint: string };
}

/** Maps an image reference (`name:tag`, `name@digest`, or a bare name) to its entry. */
export type ImageTable = (image: string) => ImageEntry | undefined;

/** Repository root, found from this file's location (source or dist/ build). */
export function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  if (dist > 0) return parts.slice(0, dist).join(path.sep);
  return path.resolve(here, '..', '..', '..');
}

/** Image name without registry tag or digest: `reg/x/broker-node:1.2` -> `reg/x/broker-node`. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The default table: `broker-node:*` runs the built broker-node, `broker-operator:*` the built
 * operator, `brokercluster-testapp:*`
 * the test program (TypeScript run directly by Node 24's type stripping, so it needs no
 * build). Images are matched by their last path segment, so `ghcr.io/x/broker-node:v1`
 * works too. Node is the one running this kubelet (Node 24 under `npm test`).
 */
export function defaultImageTable(root: string = repoRoot()): ImageTable {
  const node = process.execPath;
  const table = new Map<string, ImageEntry>([
    [
      'broker-node',
      {
        entrypoint: [node, path.join(root, 'dist/node/src/bin/broker-node.js')],
        cmd: [],
        requires: {
          file: path.join(root, 'dist/node/src/bin/broker-node.js'),
          hint: "run 'make build'",
        },
      },
    ],
    [
      'broker-operator',
      {
        entrypoint: [node, path.join(root, 'dist/operator/src/bin/broker-operator.js')],
        cmd: [],
        requires: {
          file: path.join(root, 'dist/operator/src/bin/broker-operator.js'),
          hint: "run 'make build'",
        },
      },
    ],
    [
      'brokercluster-testapp',
      {
        entrypoint: [node, '--no-warnings', path.join(root, 'test/k8s/testapp/testapp.ts')],
        cmd: [],
      },
    ],
  ]);
  return (image) => {
    const name = imageName(image);
    return table.get(name.slice(name.lastIndexOf('/') + 1));
  };
}

/** Looks `image` up or throws an {@link UnknownImageError} naming it (or the missing program). */
export function resolveImage(table: ImageTable, image: string | undefined): ImageEntry {
  if (image === undefined || image === '') {
    throw new UnknownImageError('container has no image');
  }
  const entry = table(image);
  if (entry === undefined) {
    throw new UnknownImageError(
      `image "${image}" is not in the test kubelet's image table ` +
        `(known: broker-node:*, broker-operator:*, brokercluster-testapp:*)`
    );
  }
  if (entry.requires !== undefined && !fs.existsSync(entry.requires.file)) {
    throw new UnknownImageError(
      `image "${image}" runs ${entry.requires.file}, which does not exist: ${entry.requires.hint}`,
      'ImageNotBuilt'
    );
  }
  return entry;
}
