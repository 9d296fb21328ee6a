// The Helm-style deployer commands (install, upgrade, rollback, history, status, list, diff,
// uninstall, crd install|upgrade). Registered by bin.ts.
import type { Command } from 'commander';

export function registerDeployCommands(_program: Command): void {}
