// One copy of each string the informer caches hold many times. JSON.parse gives every value its
// own string: every child object carries its own "storefront" label values and its namespace, and
// every Storefront its own copies of the same image names, probe commands and scripts. A heap
// snapshot of the operator holding 100 Storefronts found 1.9 MiB of such duplicate copies (7,201 of
// "storefront" alone); the heap grows with the Storefronts, so ~19 MiB is expected at 1,000.
// Values are replaced by an equal string, so nothing a reader sees changes.

/** Keys whose values are unique to one object (or one event): pooling them would save nothing. */
const UNIQUE_VALUES = new Set([
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastProbeTime',
  'startTime',
  'completionTime',
  'lastScheduleTime',
  'lastSuccessfulTime',
]);

/**
 * Strings up to this length are pooled, scripts included (each Storefront's migration Job carries
 * the same 1.5 KB one); longer ones are left as they are.
 */
const MAX_POOLED_LENGTH = 4096;

export class StringPool {
  private readonly pool = new Map<string, string>();
  private readonly maxEntries: number;

  /**
   * `maxEntries` bounds the pool: when full it starts over (strings of objects long gone are not
   * kept alive). Objects cached before keep their copies, so a repeated string has at most one
   * copy per round, not one per object.
   */
  constructor(maxEntries = 20_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.pool.size;
  }

  intern(s: string): string {
    if (s.length > MAX_POOLED_LENGTH) return s;
    const pooled = this.pool.get(s);
    if (pooled !== undefined) return pooled;
    if (this.pool.size >= this.maxEntries) this.pool.clear();
    this.pool.set(s, s);
    return s;
  }

  /**
   * Replaces, in place, every string value in `value` (objects and arrays, recursively) by its
   * pooled copy, except those of UNIQUE_VALUES keys and a Secret's `data` and `stringData`.
   * Property values are reassigned, never added or deleted: objects keep their V8 shapes. `skip`
   * is a part of `value` already pooled (an informer's cached spec), left as it is.
   */
  internAll<T>(value: T, skip?: object): T {
    this.walk(value, skip);
    return value;
  }

  /** `skip`: a part already pooled (left as it is). */
  private walk(value: unknown, skip?: object): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (typeof v === 'string') value[i] = this.intern(v);
        else if (v !== null && typeof v === 'object' && v !== skip) this.walk(v, skip);
      }
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    const secret = obj.kind === 'Secret';
    for (const key in obj) {
      const v = obj[key];
      if (typeof v === 'string') {
        if (!UNIQUE_VALUES.has(key)) obj[key] = this.intern(v);
      } else if (v !== null && typeof v === 'object' && v !== skip) {
        if (secret && (key === 'data' || key === 'stringData')) continue;
        this.walk(v, skip);
      }
    }
  }
}
