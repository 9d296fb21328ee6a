// `storefront version`: what a bug report needs — the CLI version, the API it speaks, the runtime.
import { VERSION } from './program.ts';

export function versionInfo() {
  return {
    version: `v${VERSION}`,
    apiVersion: 'storefront.dev/v1alpha1',
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

export async function versionAction(opts: {
  output: 'text' | 'json' | 'yaml';
  short: boolean;
}): Promise<number> {
  const info = versionInfo();
  if (opts.output !== 'text')
    process.stdout.write((await import('./output.ts')).formatValue(info, opts.output));
  else if (opts.short) process.stdout.write(`${info.version}\n`);
  else
    process.stdout.write(
      `storefront ${info.version} (API ${info.apiVersion}, Node.js ${info.nodeVersion}, ${info.platform})\n`,
    );
  return 0;
}
