# shellcheck shell=bash
# Inserting and removing the --module files of tools/vm-run: sourced by
# tools/vm-run (--host) and by tools/vm-guest-init (in the VM).
#
# modules_insert PATH...  insert each module, after modprobe'ing the modules
#                         it depends on; an in-tree module (under
#                         /lib/modules) that is already loaded is left alone
# modules_remove          remove, in reverse order, what modules_insert
#                         inserted; a module still in use is retried for a
#                         while, as deferred work (netns cleanup, RCU
#                         callbacks) can hold it after the command ends
#
# Both print what went wrong and return 1 on failure.

modules_inserted=()

module_name() {
	local name
	name=$(modinfo -F name "$1" 2>/dev/null) || name=
	if [[ -z $name ]]; then
		name=$(basename "$1")
		name=${name%%.ko*}
	fi
	echo "${name//-/_}"
}

module_is_in_tree() {
	[[ $1 == /lib/modules/* || $1 == /usr/lib/modules/* ]]
}

modules_insert() {
	local path name dependency
	local -a dependencies
	for path in "$@"; do
		name=$(module_name "$path")
		if [[ -e /sys/module/$name ]]; then
			module_is_in_tree "$path" && continue
			echo "vm-run: $name is already loaded; remove it first"
			return 1
		fi
		IFS=, read -r -a dependencies <<<"$(modinfo -F depends "$path")"
		for dependency in "${dependencies[@]}"; do
			[[ -z $dependency ]] || modprobe "$dependency" || {
				echo "vm-run: cannot load $dependency, which $name needs"
				return 1
			}
		done
		insmod "$path" || { echo "vm-run: insmod $path failed"; return 1; }
		modules_inserted+=("$name")
	done
}

modules_remove() {
	local i name deadline failed=0
	for ((i = ${#modules_inserted[@]} - 1; i >= 0; i--)); do
		name=${modules_inserted[i]}
		deadline=$((SECONDS + 10))
		until rmmod "$name" 2>/dev/null; do
			if ((SECONDS >= deadline)); then
				if ! rmmod "$name"; then
					echo "vm-run: cannot remove module $name"
					failed=1
				fi
				break
			fi
			sleep 0.2
		done
	done
	return $failed
}
