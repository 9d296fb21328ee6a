// npm run cluster:build|up|down|status  (node test/cluster/cli.ts <command> [options])
import { parseArgs } from 'node:util';
import { ensureBinaries, ensureNodeBinaries } from './build.ts';
import { clusterStatus, ensureCluster, stopCluster } from './harness.ts';

const usage = `usage: node test/cluster/cli.ts <build|up|down|status> [options]
  build [--force] [--node]             build the binaries into the cache (if missing); --node: the real node's too
  up [--nodes N] [--pods-per-node N] [--real-node]
                                       start the cluster (or reuse a healthy one); last line: export KUBECONFIG=...
                                       --real-node: add a real node (containers; fake nodes default to 0)
  down [--wipe]                        stop every component (--wipe also deletes the state directory)
  status                               show components and health; exit 1 when not healthy
common: --state-dir DIR (default $STOREFRONT_CLUSTER_STATE_DIR or <cache>/state/default)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      nodes: { type: 'string' },
      'pods-per-node': { type: 'string' },
      force: { type: 'boolean' },
      wipe: { type: 'boolean' },
      node: { type: 'boolean' },
      'real-node': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const stateDir = values['state-dir'];
  const t0 = Date.now();
  switch (command) {
    case 'build': {
      const builds = [ensureBinaries, ...(values.node ? [ensureNodeBinaries] : [])];
      for (const build of builds) {
        const res = await build({ force: values.force === true });
        console.log(res.built ? `built ${res.binDir}` : `up to date: ${res.binDir}`);
      }
      console.log(`(${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      return 0;
    }
    case 'up': {
      const info = await ensureCluster({
        ...(stateDir ? { stateDir } : {}),
        ...(values.nodes ? { nodes: Number(values.nodes) } : {}),
        ...(values['pods-per-node'] ? { podsPerNode: Number(values['pods-per-node']) } : {}),
        ...(values['real-node'] ? { realNode: true } : {}),
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(`${info.started ? 'started' : 'already running'}: ${info.apiServerUrl} (${seconds}s)`);
      console.log(`state: ${info.stateDir}  logs: ${info.logDir}`);
      console.log(`binaries: ${info.binDir} (kubectl, helm, ...)`);
      console.log(`audit log: ${info.auditLogPath}`);
      if (info.node) console.log(`real node: ${info.node.name} in network namespace ${info.node.netns}`);
      console.log(`export KUBECONFIG=${info.kubeconfig}`);
      return 0;
    }
    case 'down': {
      await stopCluster({ ...(stateDir ? { stateDir } : {}), wipe: values.wipe === true });
      console.log(`stopped${values.wipe ? ' and wiped' : ''}`);
      return 0;
    }
    case 'status': {
      const status = await clusterStatus(stateDir ? { stateDir } : {});
      console.log(`state: ${status.stateDir}`);
      for (const [name, c] of Object.entries(status.components)) {
        console.log(`  ${name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'stopped'}`);
      }
      if (status.info)
        console.log(`api server: ${status.info.apiServerUrl}\nkubeconfig: ${status.info.kubeconfig}`);
      console.log(status.healthy ? 'healthy' : 'not healthy');
      return status.healthy ? 0 : 1;
    }
    default:
      console.error(usage);
      return values.help ? 0 : 64;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`cluster: ${err.message}`);
    process.exit(1);
  },
);
