// `storefront completion bash|zsh|fish`: shell completion generated from the command tree itself,
// so a new flag or command completes without anyone editing a script.
import type { Command, Option } from 'commander';

interface Node {
  /** Command path without the program name: '', 'crd', 'crd install'. */
  path: string;
  subcommands: { name: string; description: string }[];
  options: Option[];
  /** Choices of the positional arguments (completion's `<shell>`). */
  argChoices: string[];
}

function walk(cmd: Command, path: string, out: Node[]): Node[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  out.push({
    path,
    subcommands: subs.map((c) => ({ name: c.name(), description: c.description() })),
    options: [...cmd.options],
    argChoices: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []),
  });
  for (const c of subs) walk(c, path ? `${path} ${c.name()}` : c.name(), out);
  return out;
}

const flagsOf = (o: Option) => [o.short, o.long].filter((f): f is string => !!f);
const takesValue = (o: Option) => o.required || o.optional;
/** Flags whose value is a file name. */
const FILE_FLAGS = new Set(['--file', '--kubeconfig']);

const shQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

function caseTable(fn: string, nodes: Node[], value: (n: Node) => string): string {
  const arms = nodes
    .map((n) => [n.path, value(n)] as const)
    .filter(([, v]) => v)
    .map(([p, v]) => `    ${shQuote(p)}) echo ${shQuote(v)} ;;`);
  return `${fn}() {\n  case "$1" in\n${arms.join('\n')}\n  esac\n}`;
}

function bash(program: Command): string {
  const nodes = walk(program, '', []);
  const choiceArms = nodes.flatMap((n) =>
    n.options
      .filter((o) => o.argChoices?.length)
      .flatMap((o) =>
        flagsOf(o).map(
          (f) => `    ${shQuote(`${n.path} ${f}`)}) echo ${shQuote(o.argChoices!.join(' '))} ;;`,
        ),
      ),
  );
  return `# storefront completion for bash (and zsh through bashcompinit): source <(storefront completion bash)
${caseTable('_storefront_subcommands', nodes, (n) => n.subcommands.map((s) => s.name).join(' '))}
${caseTable('_storefront_flags', nodes, (n) => [...n.options.flatMap(flagsOf), '--help'].join(' '))}
${caseTable('_storefront_valued', nodes, (n) => n.options.filter(takesValue).flatMap(flagsOf).join(' '))}
${caseTable('_storefront_args', nodes, (n) => n.argChoices.join(' '))}
_storefront_choices() {
  case "$1 $2" in
${choiceArms.join('\n')}
  esac
}
_storefront() {
  # zsh (bashcompinit) numbers arrays from 1; this function reads them as bash does.
  [ -n "\${ZSH_VERSION-}" ] && setopt localoptions ksharrays
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" w i skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      -*=*) continue ;;
      -*) [[ " $(_storefront_valued "$path") " == *" $w "* ]] && skip=1; continue ;;
    esac
    [[ " $(_storefront_subcommands "$path") " == *" $w "* ]] && path="\${path:+$path }$w"
  done
  if [[ "$prev" == -* && " $(_storefront_valued "$path") " == *" $prev "* ]]; then
    local choices
    choices="$(_storefront_choices "$path" "$prev")"
    if [[ -n "$choices" ]]; then
      COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    elif [[ " ${[...FILE_FLAGS, '-f'].join(' ')} " == *" $prev "* ]]; then
      COMPREPLY=($(compgen -f -- "$cur"))
    else
      COMPREPLY=()
    fi
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_storefront_flags "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_storefront_subcommands "$path") $(_storefront_args "$path")" -- "$cur"))
  fi
  return 0
}
complete -o default -F _storefront storefront
`;
}

function zsh(program: Command): string {
  // zsh runs the bash completion through its own bashcompinit layer: one generator, two shells.
  return `#compdef storefront
# storefront completion for zsh: source <(storefront completion zsh)
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }
autoload -U +X bashcompinit && bashcompinit
${bash(program)}`;
}

function fish(program: Command): string {
  const nodes = walk(program, '', []);
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = [
    '# storefront completion for fish: storefront completion fish | source',
    `function __storefront_subcommands\n  switch "$argv[1]"\n${nodes
      .filter((n) => n.subcommands.length)
      .map((n) => `    case ${q(n.path)}\n      echo ${n.subcommands.map((s) => q(s.name)).join(' ')}`)
      .join('\n')}\n  end\nend`,
    // The command path typed so far ("crd install"), skipping flags.
    `function __storefront_path\n  set -l path ''\n  for w in (commandline -opc)[2..-1]\n    string match -q -- '-*' $w; and continue\n    if contains -- $w (string split ' ' (__storefront_subcommands "$path"))\n      set path (string trim "$path $w")\n    end\n  end\n  echo $path\nend`,
    'complete -c storefront -f',
  ];
  for (const n of nodes) {
    const when = `test (__storefront_path) = ${q(n.path)}`;
    for (const s of n.subcommands)
      lines.push(`complete -c storefront -n ${q(when)} -a ${q(s.name)} -d ${q(s.description)}`);
    if (n.argChoices.length)
      lines.push(`complete -c storefront -n ${q(when)} -a ${q(n.argChoices.join(' '))}`);
    for (const o of n.options) {
      const parts = ['complete -c storefront', `-n ${q(when)}`];
      if (o.short) parts.push(`-s ${o.short.slice(1)}`);
      if (o.long) parts.push(`-l ${o.long.slice(2)}`);
      if (o.argChoices?.length) parts.push(`-x -a ${q(o.argChoices.join(' '))}`);
      else if (o.long && FILE_FLAGS.has(o.long)) parts.push('-r -F');
      else if (takesValue(o)) parts.push('-x');
      parts.push(`-d ${q(o.description)}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: 'bash' | 'zsh' | 'fish'): string {
  return { bash, zsh, fish }[shell](program);
}
