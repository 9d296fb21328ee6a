// Every image a Storefront runs on the real node, built (or found in the cache) and imported
// into the node's containerd; and the spec fields that select them.
import { nodeBaseImage, postgresImage, redisImage } from './base-images.ts';
import { loadImages } from './node.ts';
import { operatorImage, shopImage } from './project-images.ts';

export type LocalImages = { node: string; shop: string; operator: string; postgres: string; redis: string };

export async function storefrontImages(
  stateDir: string,
  log: (line: string) => void = () => {},
): Promise<LocalImages> {
  const t0 = Date.now();
  const node = await nodeBaseImage();
  const built = {
    node,
    shop: await shopImage(node),
    operator: await operatorImage(node),
    // The major a Storefront gets by default (spec.database.version 17), so what the real node
    // proves is the default; 15 is built on demand (localPostgresImage) for the major upgrade.
    postgres: await postgresImage('17'),
    redis: await redisImage(),
  };
  loadImages(stateDir, Object.values(built));
  log(
    `images ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${Object.values(built)
      .map((i) => i.ref)
      .join(', ')}`,
  );
  return Object.fromEntries(Object.entries(built).map(([k, v]) => [k, v.ref])) as LocalImages;
}

/** The Storefront spec fields that select the local images (merged into `spec`). */
export function withLocalImages(spec: Record<string, any>, i: LocalImages): Record<string, any> {
  return {
    ...spec,
    app: { ...spec['app'], image: i.shop, imagePullPolicy: 'Never' },
    database: { ...spec['database'], image: i.postgres },
    cache: { ...spec['cache'], image: i.redis },
  };
}
