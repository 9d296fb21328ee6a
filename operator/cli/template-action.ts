// `storefront template`: render Storefront specs to stdout, no cluster touched.
import { loadStorefronts } from './load-spec.ts';
import { type Assignment, parseSet } from './set-values.ts';
import { formatObjects, templateObjects } from './template.ts';

export interface SpecFlags {
  file?: string[];
  set?: string[];
  setString?: string[];
  /** Values a command sets itself (restore --source: where the backups are), applied last. */
  assignments?: Assignment[];
}

/** The Storefronts of -f files layered in order with --set / --set-string on top. */
export function storefrontsOf(flags: SpecFlags) {
  const sets = [
    ...(flags.set ?? []).flatMap((s) => parseSet(s)),
    ...(flags.setString ?? []).flatMap((s) => parseSet(s, true)),
    ...(flags.assignments ?? []),
  ];
  return loadStorefronts(flags.file ?? [], sets);
}

export function templateAction(
  opts: SpecFlags & { namespace?: string; output: 'yaml' | 'json'; includeSecrets: boolean; quiet: boolean },
): number {
  const { objects, notes } = templateObjects(storefrontsOf(opts), opts);
  process.stdout.write(formatObjects(objects, opts.output));
  if (!opts.quiet) for (const note of notes) process.stderr.write(`${note}\n`);
  return 0;
}
