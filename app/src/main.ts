import { loadConfigOrExitStatus } from './config/config.ts';
import { migrateDatabase } from './data/migrate.ts';
import { createLogger } from './server/logger.ts';
import { startWebServer } from './server/server.ts';

/**
 * Entry point of the shop and of its container image.
 *   node app/src/main.ts [serve]   apply pending migrations under the advisory lock, then serve
 *   node app/src/main.ts migrate   apply pending migrations and exit 0 (the once-per-version Job)
 */
const USAGE = 'usage: node src/main.ts [serve|migrate]';

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'serve';
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  if (command !== 'serve' && command !== 'migrate') {
    console.error(`unknown command "${command}"\n${USAGE}`);
    process.exitCode = 64;
    return;
  }
  const config = loadConfigOrExitStatus();
  if (!config) return;
  const logger = createLogger(config.logLevel);

  if (command === 'migrate') {
    const applied = await migrateDatabase(config.database, logger);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
    return;
  }

  const server = await startWebServer(config, { logger, migrate: true });
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    server.stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'storefront failed to start', err: err.message }));
  process.exit(1);
});
