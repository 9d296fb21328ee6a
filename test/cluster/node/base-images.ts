// Images from Debian packages (mmdebstrap), each cached by the hash of its recipe: a Node 24 base
// (Node from the `node` npm package, npm from the registry), Postgres and Redis honouring the
// official images' contract with entrypoints of our own, and nginx for the front-door stand-in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, repoRoot } from '../paths.ts';
import { run } from './containment.ts';
import { ensureImage, hashOf, type Image, podman } from './images.ts';

/** The suite of every image but those that ask for another (a Postgres major bookworm lacks). */
const suite = 'bookworm';
/** npm inside the Node base (the Dockerfiles run `npm ci`); from the registry, by version. */
export const npmVersion = '11.21.2';
/** Bump when a recipe below changes in a way its inputs do not show. */
const recipe = '1';
const entrypointsDir = join(dirname(fileURLToPath(import.meta.url)), 'entrypoints');

type Recipe = {
  name: string;
  packages: string[];
  /** mmdebstrap --customize-hook arguments ($1 is the root). */
  hooks: string[];
  /** podman import --change lines. */
  config: string[];
  inputs: (string | Buffer)[];
  /**
   * Another Debian suite and the mirror that serves it (the host's apt sources carry only
   * bookworm); absent for bookworm, so the hash of those images is what it always was.
   */
  from?: { suite: string; mirror: string };
};

function debianImage(r: Recipe): Promise<Image> {
  const hash = hashOf([
    recipe,
    r.from?.suite ?? suite,
    r.name,
    ...r.packages,
    // Hooks name files by their absolute path in this clone (the node binary, the entrypoints);
    // their contents are in `inputs`, so the clone's location must not change the hash —
    // otherwise every fresh clone (CI) rebuilds every image.
    ...r.hooks.map((h) => h.replaceAll(repoRoot, '<repo>')),
    ...r.config,
    ...r.inputs,
  ]);
  return ensureImage(r.name, hash, (ref) => {
    const dir = mkdtempSync(join(cacheDir(), 'images', `${r.name}-build-`));
    try {
      const tar = join(dir, 'rootfs.tar');
      const res = spawnSync(
        'mmdebstrap',
        [
          '--variant=minbase',
          '--mode=root',
          '--format=tar',
          '--quiet',
          `--include=${r.packages.join(',')}`,
          // No docs, man pages or translations: smaller images, faster builds.
          '--dpkgopt=path-exclude=/usr/share/man/*',
          '--dpkgopt=path-exclude=/usr/share/doc/*',
          '--dpkgopt=path-exclude=/usr/share/locale/*',
          '--dpkgopt=path-exclude=/usr/share/info/*',
          ...r.hooks.map((h) => `--customize-hook=${h}`),
          '--customize-hook=rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*',
          r.from?.suite ?? suite,
          tar,
          ...(r.from ? [r.from.mirror] : []),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      if (res.status !== 0)
        throw new Error(
          `image ${r.name}: mmdebstrap failed (exit ${res.status}): ${res.stderr.slice(-2000)}`,
        );
      podman(['import', ...r.config.map((c) => `--change=${c}`), tar, ref]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The Node binary the project runs on (the `node` devDependency). */
function nodeBinary(): string {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`image node: ${bin} is missing; run npm install`);
  return bin;
}

/** npm's published tarball, fetched once with npm itself (`npm pack`) into the cache. */
function npmTarball(): string {
  const dir = join(cacheDir(), 'images', 'npm');
  const tgz = join(dir, `npm-${npmVersion}.tgz`);
  if (!existsSync(tgz)) {
    mkdirSync(dir, { recursive: true });
    run('npm', ['pack', `npm@${npmVersion}`, '--pack-destination', dir, '--silent']);
  }
  return tgz;
}

export function nodeBaseImage(): Promise<Image> {
  const node = nodeBinary();
  const npm = npmTarball();
  return debianImage({
    name: 'node',
    // curl: the shop image (FROM this base) is what the backup, restore and listing pods of
    // destination s3 talk to the bucket with (app/Dockerfile installs it when the base lacks it;
    // here the build is offline, so the base carries it).
    packages: ['ca-certificates', 'curl'],
    hooks: [
      `copy-in ${node} /usr/local/bin`,
      'mkdir -p "$1"/usr/local/lib/node_modules/npm',
      `tar -xzf ${npm} -C "$1"/usr/local/lib/node_modules/npm --strip-components=1`,
      'ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/local/bin/npm',
      'ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/local/bin/npx',
    ],
    config: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["node"]'],
    inputs: [readFileSync(node), readFileSync(npm)],
  });
}

/** The Postgres majors the real node runs: 15 from bookworm, 17 from trixie (Debian's own packages). */
export const POSTGRES_MAJORS = ['15', '17'] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/**
 * Postgres of `major` (17: trixie's, the default major of a Storefront; 15: bookworm's, for the major upgrade),
 * uid/gid 999 like the official image, our entrypoint (initdb on first start). Both honour the same
 * contract; only the suite, the packages and the binaries' directory differ.
 */
export function postgresImage(major: PostgresMajor): Promise<Image> {
  const entrypoint = join(entrypointsDir, 'postgres-entrypoint.sh');
  return debianImage({
    // The 15 image keeps its original name, so its cached archive (hash) stays valid.
    name: major === '15' ? 'postgres' : `postgres${major}`,
    // No curl, like the official postgres image: destination s3 runs curl in the shop image
    // (render/backup.ts), and the real node proves the Postgres image need not have it.
    packages: [`postgresql-${major}`, `postgresql-client-${major}`],
    hooks: [
      'chroot "$1" sh -c "groupmod -g 999 postgres && usermod -u 999 -g 999 postgres && chown -R 999:999 /var/lib/postgresql /var/run/postgresql /etc/postgresql /var/log/postgresql"',
      `copy-in ${entrypoint} /usr/local/bin`,
      'chmod 755 "$1"/usr/local/bin/postgres-entrypoint.sh',
    ],
    config: [
      `ENV PATH=/usr/lib/postgresql/${major}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      'ENV PGDATA=/var/lib/postgresql/data',
      'USER 999',
      'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]',
      'CMD ["postgres"]',
    ],
    inputs: [readFileSync(entrypoint)],
    ...(major === '15' ? {} : { from: { suite: 'trixie', mirror: 'http://deb.debian.org/debian' } }),
  });
}

/** redis-server (bookworm's) as uid/gid 999 like the official image; the pod gives the command and args. */
export function redisImage(): Promise<Image> {
  const entrypoint = join(entrypointsDir, 'redis-entrypoint.sh');
  return debianImage({
    name: 'redis',
    packages: ['redis-server'],
    hooks: [
      'chroot "$1" sh -c "groupmod -g 999 redis && usermod -u 999 -g 999 redis"',
      'mkdir -p "$1"/data && chown 999:999 "$1"/data',
      `copy-in ${entrypoint} /usr/local/bin`,
      'chmod 755 "$1"/usr/local/bin/redis-entrypoint.sh',
    ],
    config: [
      'USER 999',
      'WORKDIR /data',
      'ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]',
      'CMD ["redis-server"]',
    ],
    inputs: [readFileSync(entrypoint)],
  });
}

/** Debian's nginx for the front-door stand-in; its config comes from a ConfigMap. */
export function nginxImage(): Promise<Image> {
  return debianImage({
    name: 'nginx',
    packages: ['nginx-light'],
    hooks: ['rm -f "$1"/etc/nginx/sites-enabled/default'],
    config: ['ENTRYPOINT ["/usr/sbin/nginx"]', 'CMD ["-g", "daemon off;"]'],
    inputs: [],
  });
}
