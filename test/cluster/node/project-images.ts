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

/**
 * An npm cache holding every tarball `npm ci` of `context`'s lockfile needs: `--omit=dev`'s, or
 * with `dev` every dependency's (the operator's Dockerfile bundles with esbuild, a dev dependency).
 */
function offlineNpmCache(context: string, dev: boolean): string {
  const lock = readFileSync(join(context, 'package-lock.json'));
  const dir = join(
    cacheDir(),
    'images',
    'npm-cache',
    hashOf([lock, readFileSync(join(context, 'package.json')), dev ? 'dev' : 'prod']),
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
      ...(dev ? [] : ['--omit=dev']),
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
  devDependencies = false,
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
      cpSync(offlineNpmCache(context, devDependencies), join(work, 'cache'), { recursive: true });
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

/**
 * `Dockerfile` at the root: package*.json, operator/ and the bundler script (as its .dockerignore
 * says). Its bundle stage installs the dev dependencies too (esbuild).
 */
export function operatorImage(nodeBase: Image): Promise<Image> {
  const files = contextFiles(repoRoot, (rel) =>
    ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'scripts/build-cli.ts'].includes(rel)
      ? true
      : rel.startsWith('operator/') && notTest(rel),
  );
  return buildFromDockerfile('operator', repoRoot, files, nodeBase, '', true);
}

/** `app/Dockerfile`: the shop. */
export function shopImage(nodeBase: Image): Promise<Image> {
  const context = join(repoRoot, 'app');
  const files = contextFiles(
    context,
    (rel) => notTest(rel) && !rel.endsWith('.md') && !rel.startsWith('.env'),
  );
  return buildFromDockerfile('shop', context, files, nodeBase, '');
}

/** The stylesheet a later shop version (`shopVersionImage`) serves: v1's with a version comment. */
export function versionedStylesheet(version: string): string {
  const css = readFileSync(join(repoRoot, 'app', 'static', 'css', 'shop.css'), 'utf8');
  return `${css}\n/* storefront shop ${version} */\n`;
}

/**
 * A later version of the shop (the rollout test's v2), built FROM the shop image `shop` with its
 * stylesheet changed (`versionedStylesheet`). The code is the same, but what it serves differs
 * observably: pages link the stylesheet by a fingerprint of its bytes, so a page names the version
 * that rendered it. A few seconds to build, where a second Dockerfile build takes minutes.
 */
export function shopVersionImage(shop: Image, version: string): Promise<Image> {
  const css = versionedStylesheet(version);
  return ensureImage(`shop-${version}`, hashOf([shop.ref, version, css]), (ref) => {
    // The base is in podman's storage unless that was cleared since its archive was cached.
    try {
      podman(['image', 'exists', shop.ref]);
    } catch {
      podman(['load', `--input=${shop.archive}`]);
    }
    const work = mkdtempSync(join(cacheDir(), 'images', `shop-${version}-`));
    try {
      writeFileSync(join(work, 'shop.css'), css, { mode: 0o644 }); // root-owned, readable by uid 10001
      writeFileSync(
        join(work, 'Containerfile'),
        `FROM ${shop.ref}\nCOPY shop.css /app/static/css/shop.css\n`,
      );
      podman([
        'build',
        '--pull=never',
        '--network=none',
        '--layers=false',
        `--file=${join(work, 'Containerfile')}`,
        `--tag=${ref}`,
        work,
      ]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
