#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the time of a 64 B round trip on one vCPU goes: POSIX mq's
# request/reply, msgbox send then receive, and a msgbox call (answered
# with a reply, or with a reply and the next receive in one call), each
# timed and then sampled with perf in one VM run.
#
# Usage: bench/profile.sh   (or make bench-profile)
#   env PROFILE_RTS     round trips per timed run (default 20000)
#   env PROFILE_RUNS    rounds of timed runs (default 5)
#   env PROFILE_FREQ    perf's sampling rate in Hz (default 2000)
#   env KVER            kernel to boot, as for scripts/vm.sh
#
# Flow:
#   1. Install Debian's perf (linux-perf) with scripts/deps.sh, and build
#      the module, libmsgbox and bench/msgbox-rtprof.
#   2. Boot the VM with msgbox.ko, msgbox-rtprof, perf and the shared
#      objects perf needs. In the guest: a warm-up of each mechanism, then
#      PROFILE_RUNS rounds that time each once without perf (a drift of
#      the host's speed moves a whole round, so ratios are taken within
#      one), then one run of each under "perf record -C 0 -e cpu-clock"
#      (client and server are both on CPU 0, so CPU 0's samples are the
#      whole round trip), reported per symbol.
#   3. On the host, sort each symbol's share into a few groups (below) and
#      print, per mechanism, the median time of the timed runs and its
#      ratio to mq, that time split by those shares, then the heaviest
#      symbols.
#
# The cpu-clock event samples from a timer interrupt: time spent with
# interrupts off (the switch between the two processes, a wake-up) is
# counted where they come back on, in finish_task_switch() or a
# spin_unlock_irqrestore(). The groups are read with that in mind: the
# scheduler's group holds both. perf's own overhead (the sampled run is
# slower) is not in the shares; the times are the untraced runs' split in
# the proportions of the traced one. A system call's return to user space
# runs with interrupts off too, so the samples due during it land on the
# first user instruction after the system call (an address in the program,
# or its glibc wrapper's name): the "user space" group holds those.
set -eo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/../scripts/lib.sh" profile

rts=${PROFILE_RTS:-20000}
runs=${PROFILE_RUNS:-5}
freq=${PROFILE_FREQ:-2000}
mechs="mq msgbox call call-sr"

"$top/scripts/deps.sh" linux-perf
make -s -C "$top" module lib
make -s -C "$top/bench" msgbox-rtprof

perf_bin=$(command -v perf)
files=(-f "$top/bench/msgbox-rtprof:/bin/msgbox-rtprof" -f "$perf_bin:/bin/perf")
while read -r lib; do
	files+=(-f "$lib:$lib")
done < <("$top/scripts/initramfs-libs.sh" "$perf_bin")

payload=$(cat <<EOF
set -e
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid
for m in $mechs; do
	msgbox-rtprof \$m 2000 > /dev/null
done
r=0
while [ \$r -lt $runs ]; do
	for m in $mechs; do
		msgbox-rtprof \$m $rts
	done
	r=\$((r + 1))
done
for m in $mechs; do
	perf record -q -C 0 -e cpu-clock -F $freq -o /tmp/\$m.data \
		msgbox-rtprof \$m $((rts * 2)) | sed 's/^rtprof /rtprof-traced /'
	echo "rtprof-report \$m"
	perf report -i /tmp/\$m.data --stdio --no-children --sort sym \
		2>/dev/null | grep '%'
	echo "rtprof-report-end"
done
EOF
)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$top/scripts/vm.sh" -t 900 -m "$top/msgbox.ko" "${files[@]}" \
	-c "$payload" >"$log" 2>&1; then
	cat "$log"
	pretty "the profiling run failed"
	exit 1
fi

# Median timed run per mechanism, then each symbol's share, grouped.
awk -v mechs="$mechs" '
{ sub(/\r$/, "") }
function median(v, n,    j, k, x) {
	for (j = 2; j <= n; j++)
		for (k = j; k > 1 && v[k - 1] > v[k]; k--) {
			x = v[k]; v[k] = v[k - 1]; v[k - 1] = x
		}
	lo = v[1]; hi = v[n]
	return v[int((n + 1) / 2)]
}
function group(sym, kind) {
	if (kind == "." || sym ~ /^0x/)
		return "user space, and exits sampled on return"
	if (sym ~ /^(do_syscall_64|syscall_|exit_to_user_mode|entry_SYSCALL|x64_sys_call|__rseq|rseq_|blkcg_maybe_throttle|mem_cgroup_handle_over_high|switch_fpu|fpregs_|restore_fpregs|__fget|__fdget|fput|__x86_indirect_thunk|__x86_return_thunk)/)
		return "system call entry and exit (kernel)"
	if (sym ~ /^(__x64_sys_ioctl|do_vfs_ioctl|security_file_ioctl|tomoyo_|apparmor_|bpf_lsm_file_ioctl|msgbox_ioctl$)/)
		return "ioctl dispatch and LSM hooks"
	if (sym ~ /^(copy_user_|_copy_to_user|_copy_from_user|__check_object_size|__check_heap_object|check_stack_object|__virt_addr_valid|is_vmalloc_addr|__get_user_|__put_user_|copy_struct_from_user)/)
		return "user copies and their checks"
	if (sym ~ /^(finish_task_switch|__schedule|schedule$|__switch_to|switch_mm|pick_next|put_prev|set_next|dequeue_|enqueue_|update_curr|update_load|__update_load|update_cfs|update_rq_clock|update_min_vruntime|psi_|reweight|check_preempt|resched_curr|__calc_delta|place_entity|__enqueue|__dequeue|pick_eevdf|avg_vruntime|__pick|rcu_note_context|prepare_task_switch|sched_clock|native_sched_clock|ttwu_|select_task_rq|raw_spin_rq|try_to_wake_up|wake_up_q|wake_q_add|__wake_up|autoremove_wake_function|default_wake_function|prepare_to_wait|finish_wait|_raw_spin_unlock_irq)/)
		return "scheduler: switches, wake-ups, wait queues"
	if (sym ~ /^(default_idle|native_safe_halt|cpuidle|do_idle|arch_cpu_idle)/)
		return "idle"
	if (sym ~ /^(msgbox_|do_mq_|__x64_sys_mq_|wq_sleep|store_msg|load_msg|free_msg|msg_get|mqueue_|kmalloc|__kmalloc|kfree|__kmem_cache|kmem_cache_|security_msg_|bpf_lsm_msg|current_time|ktime_get|hrtimer_|__hrtimer|schedule_hrtimeout|pid_nr_ns|from_kuid_munged|from_kgid_munged|map_id_up|put_pid|get_pid|task_active_pid_ns|_raw_spin_lock$|_raw_spin_unlock$|memset|memcpy|__list_add_valid|__list_del_entry_valid)/)
		return "the mechanism: queueing, messages, memory"
	return "other"
}
/^rtprof mech=/ {
	split($2, a, "="); m = a[2]
	split($3, b, "="); t[m, ++nt[m]] = b[2]
	split($4, c, "="); cs[m] += c[2]
	split($5, d, "="); ss[m] += d[2]
}
/^rtprof-traced mech=/ {
	split($2, a, "="); split($3, b, "="); traced[a[2]] = b[2]
}
/^rtprof-report-end/ { rep = ""; next }
/^rtprof-report / { rep = $2; next }
rep != "" && $1 ~ /%$/ {
	pct = $1; sub(/%$/, "", pct)
	kind = $2; gsub(/[][]/, "", kind)
	sym = $3
	g = group(sym, kind)
	share[rep, g] += pct
	groups[g] = 1
	if (++ns[rep] <= 12) {
		top_sym[rep, ns[rep]] = sym; top_pct[rep, ns[rep]] = pct
	}
}
END {
	n = split(mechs, ml, " ")
	for (i = 1; i <= n; i++) {
		m = ml[i]
		if (!nt[m]) { print "no timed run of " m > "/dev/stderr"; exit 1 }
		for (j = 1; j <= nt[m]; j++) v[j] = t[m, j] + 0
		med[m] = median(v, nt[m]); spread[m] = (hi - lo) / med[m]
		if (nt[m] != nt["mq"]) { print "uneven rounds" > "/dev/stderr"; exit 1 }
		for (j = 1; j <= nt[m]; j++) v[j] = t[m, j] / t["mq", j]
		ratio[m] = median(v, nt[m]); rspread[m] = (hi - lo) / ratio[m]
	}
	printf "64 B round trips, client and server on one vCPU: %d rounds, each\n", nt["mq"]
	printf "timing every mechanism once; medians, and ratios within a round\n"
	printf "%-44s", "us per round trip"
	for (i = 1; i <= n; i++) printf "%10s", ml[i]
	printf "\n%-44s", "median"
	for (i = 1; i <= n; i++) printf "%10.1f", med[ml[i]]
	printf "\n%-44s", "spread (max - min) / median"
	for (i = 1; i <= n; i++) printf "%9.1f%%", 100 * spread[ml[i]]
	printf "\n%-44s", "ratio to mq, median of the rounds"
	for (i = 1; i <= n; i++) printf "%10.3f", ratio[ml[i]]
	printf "\n%-44s", "its spread"
	for (i = 1; i <= n; i++) printf "%9.1f%%", 100 * rspread[ml[i]]
	printf "\n%-44s", "context switches per round trip"
	for (i = 1; i <= n; i++) printf "%10.2f", (cs[ml[i]] + ss[ml[i]]) / nt[ml[i]]
	printf "\n%-44s", "traced run (perf record)"
	for (i = 1; i <= n; i++) printf "%10.1f", traced[ml[i]]
	printf "\n\nthe median split by the traced run'"'"'s samples (us)\n"
	ng = 0
	for (g in groups) gl[++ng] = g
	for (j = 2; j <= ng; j++)
		for (k = j; k > 1 && gl[k - 1] > gl[k]; k--) {
			x = gl[k]; gl[k] = gl[k - 1]; gl[k - 1] = x
		}
	for (j = 1; j <= ng; j++) {
		printf "%-44s", gl[j]
		for (i = 1; i <= n; i++) printf "%10.1f", share[ml[i], gl[j]] * med[ml[i]] / 100
		printf "\n"
	}
	for (i = 1; i <= n; i++) {
		m = ml[i]
		printf "\nheaviest symbols, %s (us of the median)\n", m
		for (j = 1; j <= 12 && (m, j) in top_sym; j++)
			printf "  %-42s %8.1f\n", top_sym[m, j], top_pct[m, j] * med[m] / 100
	}
}' "$log"
