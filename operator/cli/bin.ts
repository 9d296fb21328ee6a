#!/usr/bin/env node
// The `storefront` command. Turns on Node's module compile cache before anything else loads (a
// second run then skips parsing and type stripping), then runs the command tree.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./program.ts');
process.exit(await main(process.argv));
