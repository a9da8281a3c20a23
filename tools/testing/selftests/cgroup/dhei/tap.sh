# SPDX-License-Identifier: GPL-2.0
# TAP helpers shared by the dhei shell tests; source it, then "exit $((fails != 0))" at the end.

n=0
fails=0

ok() { # status description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}

# skip count description reason: COUNT TAP results marked "# SKIP", one for each check that
# did not run. scripts/guest.py counts them as failures unless the run allows skips with
# this reason (--allow-skip), and then as skipped, never as passed.
skip() {
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		n=$((n + 1))
		echo "ok $n $2 ($i of $1) # SKIP $3"
	done
}

check() { # description command...
	d=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$d"
}

eq() { # description expected actual
	if [ "$2" = "$3" ]; then ok 0 "$1"; else ok 1 "$1 (expected '$2', got '$3')"; fi
}

# cycles N [MIN]: N, or N/5 but at least MIN (default 20) when the guest was booted with
# dhei.quick=1: the configuration matrix of ./dhei test runs every test on more kernels, with
# fewer repetitions of the long loops.
cycles() {
	case " $(cat /proc/cmdline) " in
	*" dhei.quick=1 "*)
		q=$(($1 / 5))
		[ "$q" -ge "${2:-20}" ] || q=${2:-20}
		echo "$q" ;;
	*) echo "$1" ;;
	esac
}

# Prints the plan after the last result (TAP allows it there), so that no plan is counted by
# hand, and exits with the result.
done_testing() {
	echo "1..$n"
	exit $((fails != 0))
}
