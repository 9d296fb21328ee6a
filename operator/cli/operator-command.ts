// `storefront operator`: run the controller against the current kubeconfig (or in-cluster).
import { createLogger } from '../controller/logger.ts';
import { startOperator } from '../controller/operator.ts';
import { parseDuration } from './duration.ts';

export interface OperatorFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  concurrency: string;
  leaderElect: boolean;
  leaseNamespace?: string;
  healthPort: string;
  resync: string;
  qps: string;
  burst: string;
}

function positiveInt(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code once the operator stopped. */
export async function runOperatorCommand(flags: OperatorFlags): Promise<number> {
  const logger = createLogger();
  // Config is validated before anything connects.
  const options = {
    concurrency: positiveInt('concurrency', flags.concurrency, 1),
    leaderElection: flags.leaderElect,
    healthPort: positiveInt('health-port', flags.healthPort),
    resyncMs: parseDuration('resync', flags.resync),
    qps: positiveInt('qps', flags.qps, 1),
    burst: positiveInt('burst', flags.burst, 1),
    logger,
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.leaseNamespace ? { leaseNamespace: flags.leaseNamespace } : {}),
  };
  const op = await startOperator(options);
  logger.info(
    { identity: op.identity, health: op.healthUrl, namespace: flags.namespace ?? '(all)' },
    'storefront operator started',
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight reconciles and releasing the lease');
      await op.stop();
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });
}
