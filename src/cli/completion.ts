// Bash completion for runts, written from the CLI's reference (reference.ts)
// at build time (scripts/gen-docs.mjs): the commands, each command's options
// and their choices, and container IDs from `runts list -q` (with the --root
// given on the line). It needs nothing of the bash-completion package beyond
// being sourced, so a test can drive it with COMP_WORDS and COMP_CWORD.
import { CliReference, OptionDoc } from './reference';

const flagsOf = (opts: OptionDoc[]) =>
  opts.filter((o) => !o.hidden).flatMap((o) => [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])]);
const valueFlagsOf = (opts: OptionDoc[]) =>
  opts.filter((o) => o.type !== 'boolean').flatMap((o) => [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])]);

// A bash word list in single quotes (our words hold no quote).
const words = (list: string[]) => `'${list.join(' ')}'`;

export function bashCompletion(ref: CliReference): string {
  const names = ref.commands.flatMap((c) => [c.name, ...c.aliases]);
  const cases: string[] = [];
  const choiceCases: string[] = [];
  for (const c of ref.commands) {
    const pattern = [c.name, ...c.aliases].join('|');
    // What each argument position completes: container IDs, signals, commands, or nothing.
    const kinds = c.args.map((a) => (a.name === 'id' ? 'id' : a.name === 'signal' ? 'signal' : a.name === 'command' ? 'command' : 'none'));
    cases.push(
      `\t${pattern})`,
      `\t\tflags=${words(flagsOf(c.options))}`,
      `\t\tvalue_flags=${words(valueFlagsOf(c.options))}`,
      `\t\targs=${words(kinds)}`,
      `\t\t;;`,
    );
    for (const o of c.options.filter((o) => o.choices)) {
      choiceCases.push(`\t"${pattern.split('|').map((n) => `${n} --${o.name}`).join('"|"')}") choices=${words(o.choices!)} ;;`);
    }
  }
  for (const o of ref.globals.filter((o) => o.choices)) choiceCases.push(`\t*" --${o.name}") choices=${words(o.choices!)} ;;`);
  choiceCases.push(`\t*" --rootless") choices='true false auto' ;;`);
  const signals = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT', 'TERM', 'KILL', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'];
  return `# bash completion for runts. Generated from the CLI's command definitions
# (src/cli/completion.ts); do not edit.

_runts_ids() {
	"$1" \${2:+--root "$2"} list -q 2>/dev/null
}

_runts() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=\${COMP_WORDS[COMP_CWORD-1]}
	local global_flags=${words(flagsOf(ref.globals))}
	local global_value_flags=${words(valueFlagsOf(ref.globals))}
	local commands=${words([...names, 'help'])}
	local cmd= root= i=1 w
	# The command word: the first that is not a global option or its value.
	while [ $i -lt "$COMP_CWORD" ]; do
		w=\${COMP_WORDS[i]}
		case "$w" in
		--root=*) root=\${w#--root=} ;;
		-*) case " $global_value_flags " in *" $w "*)
			[ "$w" = --root ] && root=\${COMP_WORDS[i+1]}
			i=$((i + 1)) ;;
		esac ;;
		*) cmd=$w; break ;;
		esac
		i=$((i + 1))
	done
	local flags= value_flags= args= choices=
	case "$cmd" in
${cases.join('\n')}
	esac
	# The value of an option.
	if [ -n "$prev" ] && [[ "$prev" == -* ]] && [[ " $value_flags $global_value_flags " == *" $prev "* ]]; then
		case "$cmd $prev" in
${choiceCases.join('\n')}
		esac
		if [ -n "$choices" ]; then
			COMPREPLY=($(compgen -W "$choices" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return
	fi
	if [ -z "$cmd" ]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "$global_flags --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi
	[ "$cmd" = help ] && { COMPREPLY=($(compgen -W "$commands" -- "$cur")); return; }
	# Which argument of the command this word is: count the words before it.
	local n=0 j=$((i + 1))
	while [ $j -lt "$COMP_CWORD" ]; do
		w=\${COMP_WORDS[j]}
		if [[ "$w" == -* ]]; then
			[[ "$w" != *=* && " $value_flags $global_value_flags " == *" $w "* ]] && j=$((j + 1))
		else
			n=$((n + 1))
		fi
		j=$((j + 1))
	done
	local kinds=($args) kind=
	[ $n -lt \${#kinds[@]} ] && kind=\${kinds[n]}
	[ -z "$kind" ] && [ \${#kinds[@]} -gt 0 ] && [ "\${kinds[-1]}" = command ] && kind=command
	if [ "$kind" = command ]; then
		COMPREPLY=($(compgen -c -- "$cur"))
		return
	fi
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
		return
	fi
	case "$kind" in
	id) COMPREPLY=($(compgen -W "$(_runts_ids "\${COMP_WORDS[0]}" "$root")" -- "$cur")) ;;
	signal) COMPREPLY=($(compgen -W ${words(signals)} -- "$cur")) ;;
	esac
}
complete -F _runts runts
`;
}
