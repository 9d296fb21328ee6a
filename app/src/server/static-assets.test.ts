import { describe, expect, it } from 'vitest';
import { AssetManifest } from './static-assets.ts';

describe('AssetManifest', () => {
  it('when assets are loaded, then URLs carry a content hash and resolve back to the bytes', async () => {
    const assets = await AssetManifest.load();
    const url = assets.url('css/shop.css');
    expect(url).toMatch(/^\/static\/css\/shop\.[0-9a-f]{16}\.css$/);
    const asset = assets.byHashedPath(url.replace('/static/', ''))!;
    expect(asset.contentType).toBe('text/css; charset=utf-8');
    expect(asset.body.toString()).toContain('Storefront');
    expect(assets.imageUrl('img/mug.svg')).toMatch(/^\/static\/img\/mug\.[0-9a-f]{16}\.svg$/);
    expect(assets.imageUrl('https://images.example.com/a.png')).toBe('https://images.example.com/a.png');
    expect(assets.imageUrl('img/missing.svg')).toBeNull();
  });

  it('when ASSET_BASE_URL is set, then URLs go through it and the cache namespace changes', async () => {
    const local = await AssetManifest.load();
    const cdn = await AssetManifest.load('https://cdn.example.com');
    expect(cdn.url('img/mug.svg')).toBe(`https://cdn.example.com${local.url('img/mug.svg')}`);
    expect(cdn.version).not.toBe(local.version);
  });
});
