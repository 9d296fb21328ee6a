// The operator and shop images, built from the project's own Dockerfiles (so they are really
// exercised) on the local Node 24 base, cached by the hash of everything their build context
// holds. The builds have no network: the Dockerfiles' `npm ci` runs offline from an npm cache
// filled beforehand on the host (by npm itself, from the same lockfile), mounted into the RUN
// step together with a global npmrc that says `offline`; neither ends up in the image.
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { cacheDir, repoRoot } from '../paths.ts';
import { run } from './containment.ts';
import { ensureImage, hashOf, type Image, podman } from './images.ts';

/** An npm cache holding every tarball `npm ci --omit=dev` of `context`'s lockfile needs. */
function offlineNpmCache(context: string): string {
  const lock = readFileSync(join(context, 'package-lock.json'));
  const dir = join(
    cacheDir(),
    'images',
    'npm-cache',
    hashOf([lock, readFileSync(join(context, 'package.json'))]),
  );
  const done = join(dir, '.complete');
  try {
    statSync(done);
    return dir;
  } catch {}
  const work = mkdtempSync(join(cacheDir(), 'images', 'npm-fill-'));
  try {
    copyFileSync(join(context, 'package.json'), join(work, 'package.json'));
    copyFileSync(join(context, 'package-lock.json'), join(work, 'package-lock.json'));
    rmSync(dir, { recursive: true, force: true });
    run('npm', [
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      `--cache=${dir}`,
      `--prefix=${work}`,
    ]);
    writeFileSync(done, '');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** Files under `dir` (relative paths), skipping what the Dockerfiles' .dockerignore files leave out. */
function contextFiles(dir: string, keep: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      if (entry.isDirectory()) walk(path);
      else if (keep(rel)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

function buildFromDockerfile(
  name: string,
  context: string,
  files: string[],
  nodeBase: Image,
  tag: string,
): Promise<Image> {
  const hash = hashOf([
    name,
    tag,
    nodeBase.ref,
    ...files.flatMap((f) => [
      f,
      String(statSync(join(context, f)).mode & 0o111),
      readFileSync(join(context, f)),
    ]),
  ]);
  return ensureImage(name, hash, (ref) => {
    // A copy: the Dockerfiles end with `npm cache clean --force`, which empties the mounted cache.
    const work = mkdtempSync(join(cacheDir(), 'images', `${name}-npm-`));
    try {
      cpSync(offlineNpmCache(context), join(work, 'cache'), { recursive: true });
      mkdirSync(join(work, 'etc'));
      writeFileSync(join(work, 'etc', 'npmrc'), 'cache=/npm-cache\noffline=true\n');
      podman([
        'build',
        '--pull=never',
        '--network=none',
        '--layers=false',
        `--volume=${join(work, 'cache')}:/npm-cache`,
        `--volume=${join(work, 'etc', 'npmrc')}:/usr/local/etc/npmrc:ro`,
        `--build-arg=NODE_IMAGE=${nodeBase.ref}`,
        `--file=${join(context, 'Dockerfile')}`,
        `--tag=${ref}`,
        context,
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

const notTest = (rel: string) => !rel.endsWith('.test.ts') && !rel.includes('/testdata/');

/** `Dockerfile` at the root: package*.json and operator/ (as its .dockerignore says). */
export function operatorImage(nodeBase: Image): Promise<Image> {
  const files = contextFiles(repoRoot, (rel) =>
    ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json'].includes(rel)
      ? true
      : rel.startsWith('operator/') && notTest(rel),
  );
  return buildFromDockerfile('operator', repoRoot, files, nodeBase, '');
}

/**
 * `app/Dockerfile`: the shop. `variant` makes a distinct image from the same sources (the
 * rollout test's v2): it only changes the tag the image is known by, not what it runs.
 */
export function shopImage(nodeBase: Image, variant = ''): Promise<Image> {
  const context = join(repoRoot, 'app');
  const files = contextFiles(
    context,
    (rel) => notTest(rel) && !rel.endsWith('.md') && !rel.startsWith('.env'),
  );
  return buildFromDockerfile(variant ? `shop-${variant}` : 'shop', context, files, nodeBase, variant);
}
