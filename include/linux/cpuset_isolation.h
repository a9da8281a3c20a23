/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime CPU isolation driven by isolated cpuset partitions: the entry points of
 * the state machine in kernel/cgroup/cpuset_isolation/, called from
 * kernel/cgroup/cpuset.c. See Documentation/admin-guide/cgroup-v2-isolation.rst.
 */
#ifndef _LINUX_CPUSET_ISOLATION_H
#define _LINUX_CPUSET_ISOLATION_H

#include <linux/cpumask.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct seq_file;
struct task_struct;

#ifdef CONFIG_CPUSET_ISOLATION
/*
 * Bring the housekeeping state in line with @isolated, the CPUs of all isolated
 * partitions: plan, then apply the steps in order, undoing the completed ones
 * on failure. Called with cpus_read_lock() and cpuset_mutex held. Returns 0, or
 * a negative errno and nothing changed. Implemented in Rust.
 */
int cpuset_isolation_update(const struct cpumask *isolated);

/*
 * Validate, before cpuset commits anything, isolating @adding on top of
 * @isolated. Returns 0, or the negative errno of the refusal (whose reason is
 * logged). Same locking as cpuset_isolation_update(). Implemented in Rust.
 */
int cpuset_isolation_check(const struct cpumask *isolated,
			   const struct cpumask *adding);

/*
 * Whether cpuset must leave the affinity of @task, a task of the top cpuset,
 * alone when partitions change: true for a kthread whose affinity a user set
 * (sched_setaffinity(), taskset).
 */
bool cpuset_isolation_keep_affinity(struct task_struct *task);

/* cpuset.housekeeping: one "type cpulist" line per housekeeping type. */
int cpuset_isolation_housekeeping_show(struct seq_file *sf, void *v);

/*
 * Fault injection for the tests (debugfs cpuset_isolation/fail_step, with
 * CONFIG_CPUSET_ISOLATION_FAULT_INJECTION): the 1-based index of the step
 * that the next update fails, or 0. Reading it disarms it.
 */
u32 cpuset_isolation_take_fail_step(void);
#else
static inline bool cpuset_isolation_keep_affinity(struct task_struct *task)
{
	return false;
}

static inline int cpuset_isolation_check(const struct cpumask *isolated,
					 const struct cpumask *adding)
{
	return 0;
}

static inline int cpuset_isolation_update(const struct cpumask *isolated)
{
	/* Stock 6.12: only unbound workqueues follow isolated partitions. */
	return workqueue_unbound_exclude_cpumask((struct cpumask *)isolated);
}
#endif

/* Timer migration hierarchy: kernel/time/timer_migration.c. */
#if defined(CONFIG_SMP) && defined(CONFIG_NO_HZ_COMMON)
int tmigr_isolate_cpus(const struct cpumask *isolated);
#else
static inline int tmigr_isolate_cpus(const struct cpumask *isolated)
{
	return 0;
}
#endif

/* Lockup detectors: kernel/watchdog.c. Takes effect from a work item. */
#ifdef CONFIG_LOCKUP_DETECTOR
void watchdog_isolate_cpus(const struct cpumask *isolated);
#else
static inline void watchdog_isolate_cpus(const struct cpumask *isolated) { }
#endif

#endif /* _LINUX_CPUSET_ISOLATION_H */
