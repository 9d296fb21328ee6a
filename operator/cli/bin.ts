#!/usr/bin/env node
// The `storefront` command. Turns on Node's module compile cache before anything else loads (a
// second run then skips parsing and type stripping), then runs the command tree.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./program.ts');
const code = await main(process.argv);
// Exit explicitly (a cluster command's keep-alive sockets would hold the process open), but only
// once stdout and stderr are flushed: writes to a pipe may still be queued, and exiting would cut
// the output of a large `template` or `crd` short.
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
