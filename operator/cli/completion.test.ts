// The completion scripts loaded into the real shells (bash, zsh, fish come from
// scripts/ensure-system-deps.sh), asked what completes after a few command lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript } from './completion.ts';
import { buildProgram } from './program.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-completion-'));
const script = (shell: 'bash' | 'zsh' | 'fish') => {
  const file = join(dir, `storefront.${shell}`);
  writeFileSync(file, completionScript(buildProgram(), shell));
  return file;
};

function run(shell: string, args: string[]): string {
  const r = spawnSync(shell, args, { encoding: 'utf8', env: { ...process.env, HOME: dir } });
  if (r.error)
    throw new Error(`${shell} could not run (${r.error.message}); run scripts/ensure-system-deps.sh all`);
  if (r.status !== 0) throw new Error(`${shell} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** What bash completes for the words typed so far (the last one is being typed). */
function bashComplete(words: string[]): string[] {
  const out = run('bash', [
    '-c',
    `source ${script('bash')} && COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}) && COMP_CWORD=${words.length - 1} && _storefront && printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]);
  return out.split('\n').filter(Boolean);
}

describe('storefront completion', () => {
  it('when loaded in bash, then commands, subcommands, flags and flag values complete', () => {
    expect(run('bash', ['-c', `source ${script('bash')} && complete -p storefront`])).toContain(
      '-F _storefront storefront',
    );
    expect(bashComplete(['storefront', 'up'])).toEqual(['upgrade']);
    expect(bashComplete(['storefront', 'crd', ''])).toEqual(['install', 'upgrade']);
    expect(bashComplete(['storefront', 'get', ''])).toEqual(['manifest', 'values']);
    expect(bashComplete(['storefront', 'template', '-o', ''])).toEqual(['yaml', 'json']);
    expect(bashComplete(['storefront', 'status', 'shop', '-o', ''])).toEqual(['table', 'json', 'yaml']);
    expect(bashComplete(['storefront', 'upgrade', 'shop', '-f', 'x.yaml', '--cont'])).toEqual(['--context']);
    expect(bashComplete(['storefront', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    // `crd install` has its own flags, not those of the top-level install.
    expect(bashComplete(['storefront', 'crd', 'install', '--'])).not.toContain('--create-namespace');
    expect(bashComplete(['storefront', 'install', 'shop', '--cr'])).toEqual(['--create-namespace']);
  });

  it('when loaded in zsh, then it registers through bashcompinit and completes as in bash', () => {
    const out = run('zsh', ['-c', `source ${script('zsh')} && print -r -- \${_comps[storefront]}`]);
    expect(out.trim()).toMatch(/_bash_complete/);
    // As bashcompinit calls it: COMP_WORDS from zsh's 1-based words, COMP_CWORD = CURRENT - 1.
    const words = run('zsh', [
      '-c',
      `source ${script('zsh')} && COMP_WORDS=(storefront template -o '') && COMP_CWORD=3 && _storefront && print -l -- $COMPREPLY`,
    ]);
    expect(words.split('\n').filter(Boolean)).toEqual(['yaml', 'json']);
  });

  it('when loaded in fish, then subcommands and flag values complete', () => {
    const complete = (line: string) =>
      run('fish', ['-c', `source ${script('fish')}; complete -C '${line}'`])
        .split('\n')
        .map((l) => l.split('\t')[0])
        .filter(Boolean);
    expect(complete('storefront crd ')).toEqual(expect.arrayContaining(['install', 'upgrade']));
    expect(complete('storefront template -o ')).toEqual(expect.arrayContaining(['yaml', 'json']));
    expect(complete('storefront install shop --cr')).toEqual(['--create-namespace']);
  });
});
