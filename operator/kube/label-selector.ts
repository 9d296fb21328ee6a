// Label selectors as the client takes them: a map (all must match) or the API's string syntax.

export type LabelSelector = string | Record<string, string>;

export function formatLabelSelector(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  if (typeof selector === 'string') return selector || undefined;
  const parts = Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}
