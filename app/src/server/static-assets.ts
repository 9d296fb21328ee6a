import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_DIR = fileURLToPath(new URL('../../static/', import.meta.url));

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.js': 'text/javascript; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface Asset {
  logicalPath: string;
  hashedPath: string;
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * Fingerprinted static assets, computed once at start-up: `css/shop.css` is served as
 * `/static/css/shop.<hash>.css`, so its URL changes whenever its bytes do and it can be cached
 * forever. Files are small and held in memory; nothing is written to disk.
 */
export class AssetManifest {
  readonly #byLogical = new Map<string, Asset>();
  readonly #byHashed = new Map<string, Asset>();
  readonly #base: string;
  /** Changes whenever any asset or the asset origin changes; part of every catalog cache key. */
  readonly version: string;

  private constructor(assets: Asset[], baseUrl: string | undefined) {
    for (const asset of assets) {
      this.#byLogical.set(asset.logicalPath, asset);
      this.#byHashed.set(asset.hashedPath, asset);
    }
    this.#base = `${baseUrl ?? ''}/static/`;
    const digest = createHash('sha256').update(this.#base);
    for (const a of assets) digest.update(a.hashedPath);
    this.version = digest.digest('hex').slice(0, 12);
  }

  static async load(baseUrl?: string, dir: string = STATIC_DIR): Promise<AssetManifest> {
    const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
      .sort();
    const assets: Asset[] = [];
    for (const logicalPath of files) {
      const body = await readFile(join(dir, logicalPath));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      const ext = extname(logicalPath);
      assets.push({
        logicalPath,
        hashedPath: `${logicalPath.slice(0, -ext.length)}.${hash}${ext}`,
        body,
        contentType: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${hash}"`,
      });
    }
    return new AssetManifest(assets, baseUrl);
  }

  has(logicalPath: string): boolean {
    return this.#byLogical.has(logicalPath);
  }

  /** The public URL of a logical asset path (through ASSET_BASE_URL when set). */
  url(logicalPath: string): string {
    const asset = this.#byLogical.get(logicalPath);
    if (!asset) throw new Error(`unknown static asset ${logicalPath}`);
    return this.#base + asset.hashedPath;
  }

  /** An image reference as stored on a product: an https URL passes through, a path is fingerprinted. */
  imageUrl(stored: string | null): string | null {
    if (stored === null) return null;
    if (/^https:\/\//.test(stored)) return stored;
    return this.has(stored) ? this.url(stored) : null;
  }

  byHashedPath(hashedPath: string): Asset | undefined {
    return this.#byHashed.get(hashedPath);
  }
}
