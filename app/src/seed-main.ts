import { loadConfigOrExitStatus } from './config/config.ts';
import { migrateDatabase } from './data/migrate.ts';
import { seedCatalog } from './seed.ts';
import { createServices } from './server/server.ts';

/** `npm run app:seed`: apply migrations, load the demo catalog, invalidate the catalog cache. */
async function main() {
  const config = loadConfigOrExitStatus();
  if (!config) return;
  const services = await createServices(config);
  try {
    await migrateDatabase(config.database, services.logger);
    const ids = await seedCatalog(services.products);
    await services.cache.invalidateProducts(ids);
    services.logger.info({ products: ids.length }, 'demo catalog loaded');
  } finally {
    await services.pool.end();
    await services.healthPool.end();
    services.redis?.disconnect();
  }
}

main().catch((err: Error) => {
  console.error(`seed failed: ${err.message}`);
  process.exit(1);
});
