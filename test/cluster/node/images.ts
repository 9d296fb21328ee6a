// Container images built on this machine, no registry: podman with its own storage under the
// cache (runc and cgroupfs; crun fails on these hybrid-cgroup machines), saved as OCI archives
// named after the hash of their inputs and imported into the node's containerd.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from '../lock.ts';
import { cacheDir } from '../paths.ts';
import { run } from './containment.ts';

export type Image = { ref: string; archive: string };

const imagesDir = () => join(cacheDir(), 'images');

/** podman with the project's storage and settings (never the machine's). */
export function podman(args: string[]): string {
  const root = join(cacheDir(), 'podman');
  const conf = join(root, 'containers.conf');
  if (!existsSync(conf)) {
    mkdirSync(root, { recursive: true });
    // CAP_SYS_RESOURCE is missing: podman's default ulimits cannot be raised, so set them here.
    writeFileSync(
      conf,
      '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n' +
        '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n',
    );
  }
  const res = run('env', [
    `CONTAINERS_CONF=${conf}`,
    'podman',
    `--root=${join(root, 'storage')}`,
    `--runroot=${join(root, 'run')}`,
    '--storage-driver=overlay',
    ...args,
  ]);
  return res;
}

export function hashOf(parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The image `name` for inputs hashing to `hash`: its OCI archive from the cache, or built now by
 * `build(ref)` (which leaves `ref` in podman's storage) and saved.
 */
export async function ensureImage(name: string, hash: string, build: (ref: string) => void): Promise<Image> {
  const ref = `localhost/storefront/${name}:${hash}`;
  const archive = join(imagesDir(), `${name}-${hash}.oci.tar`);
  if (existsSync(archive)) return { ref, archive };
  mkdirSync(imagesDir(), { recursive: true });
  return withLock(`${archive}.lock`, async () => {
    if (existsSync(archive)) return { ref, archive };
    build(ref);
    const tmp = `${archive}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    podman(['save', '--format=oci-archive', `--output=${tmp}`, ref]);
    renameSync(tmp, archive);
    return { ref, archive };
  });
}

/** An image holding only static binaries (`files`: path in the image -> path here). */
export function scratchImage(
  name: string,
  files: Record<string, string>,
  entrypoint: string[],
  hashInputs: (string | Buffer)[],
): Promise<Image> {
  const hash = hashOf([name, JSON.stringify(entrypoint), ...Object.keys(files), ...hashInputs]);
  return ensureImage(name, hash, (ref) => {
    const dir = mkdtempSync(join(imagesDir(), `${name}-rootfs-`));
    try {
      for (const [inImage, from] of Object.entries(files)) {
        mkdirSync(join(dir, 'rootfs', inImage, '..'), { recursive: true });
        copyFileSync(from, join(dir, 'rootfs', inImage));
      }
      mkdirSync(join(dir, 'rootfs', 'tmp'), { mode: 0o1777 });
      run('tar', ['-C', join(dir, 'rootfs'), '--owner=0', '--group=0', '-cf', join(dir, 'rootfs.tar'), '.']);
      podman(['import', `--change=ENTRYPOINT ${JSON.stringify(entrypoint)}`, join(dir, 'rootfs.tar'), ref]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The sandbox (pause) image: Debian's static catatonit as `/pause`, reaping zombies (`-P`). */
export function pauseImage(): Promise<Image> {
  return scratchImage(
    'pause',
    { '/pause': '/usr/bin/catatonit' },
    ['/pause', '-P'],
    [run('sha256sum', ['/usr/bin/catatonit'])],
  );
}

export function coreDnsImage(binDir: string): Promise<Image> {
  const bin = join(binDir, 'coredns');
  return scratchImage('coredns', { '/coredns': bin }, ['/coredns'], [run('sha256sum', [bin])]);
}
