import { describe, expect, it } from 'vitest';
import { compareVersions } from './doctor.ts';

describe('compareVersions', () => {
  it('when versions differ in any part, then the older one sorts first, numerically', () => {
    expect(compareVersions('0.1.0', '0.1.0')).toBe(0);
    expect(compareVersions('0.0.9', '0.1.0')).toBe(-1);
    expect(compareVersions('0.10.0', '0.9.3')).toBe(1);
    expect(compareVersions('v1.2.3', '1.2.4')).toBe(-1);
  });
  it('when a version is not x.y.z, then there is no order', () => {
    expect(compareVersions('main', '0.1.0')).toBeUndefined();
  });
});
