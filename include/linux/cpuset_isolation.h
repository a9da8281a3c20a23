/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime CPU isolation driven by isolated cpuset partitions: the entry points of
 * the state machine in kernel/cgroup/cpuset_isolation/, called from
 * kernel/cgroup/cpuset.c. See Documentation/admin-guide/cgroup-v2-isolation.rst.
 */
#ifndef _LINUX_CPUSET_ISOLATION_H
#define _LINUX_CPUSET_ISOLATION_H

#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct seq_file;
struct task_struct;

/* Noise classes that isolated partitions remove (plan.rs: Features). */
enum cpuset_isolation_feature {
	CPUSET_ISOLATION_DOMAIN		= 1 << 0,
	CPUSET_ISOLATION_RCU		= 1 << 1,
	CPUSET_ISOLATION_TICK		= 1 << 2,
	CPUSET_ISOLATION_MANAGED_IRQ	= 1 << 3,
};

#ifdef CONFIG_CPUSET_ISOLATION
/*
 * The noise classes this boot can remove at runtime: the domain tier always;
 * RCU callbacks when every CPU is offloaded since boot (rcu_nocbs=all or
 * nohz_full=dynamic); the tick with nohz_full=dynamic.
 */
u32 cpuset_isolation_available(void);

/*
 * cpuset_isolation=off: the state machine does nothing but what stock 6.12
 * does (unbound workqueues follow isolated partitions), for comparisons.
 */
bool cpuset_isolation_disabled(void);

/* cpuset.isolation.features: one "class state" line per noise class. */
int cpuset_isolation_features_show(struct seq_file *sf, void *v);

/*
 * Bring the housekeeping state in line with @isolated, the CPUs of all isolated
 * partitions: plan, then apply the steps in order. A failing isolate step
 * undoes the isolate steps completed before it; a release always goes on, and
 * is applied even when the isolation of new CPUs is refused. Called with
 * cpus_read_lock() held and cpuset_mutex not held (the steps create kthreads),
 * serialised by the caller. Returns 0, 1 when isolating new CPUs was refused,
 * or a negative errno; unless 0, the CPUs of @isolated still in the domain
 * housekeeping mask were not isolated, and cpuset invalidates their
 * partitions. Implemented in Rust.
 */
int cpuset_isolation_update(const struct cpumask *isolated);

/*
 * Validate, before cpuset commits anything, isolating @adding on top of
 * @isolated. Returns 0, or the negative errno of the refusal (whose reason is
 * logged). Called with cpus_read_lock() and cpuset_mutex held. Implemented in
 * Rust.
 */
int cpuset_isolation_check(const struct cpumask *isolated,
			   const struct cpumask *adding);

/*
 * The affinity that cpuset gives @task, a task of the top cpuset, when
 * partitions change. Returns false to leave @task alone (a kthread whose
 * user-set affinity has no CPU in @new_cpus). Otherwise @new_cpus, the CPUs
 * outside partitions, may be narrowed to the task's preferred CPUs: kswapd
 * and kcompactd prefer their node's CPUs while some of them are left that a
 * user-set affinity allows.
 */
bool cpuset_isolation_kthread_affinity(struct task_struct *task,
				       struct cpumask *new_cpus);

/* cpuset.housekeeping: one "type cpulist" line per housekeeping type. */
int cpuset_isolation_housekeeping_show(struct seq_file *sf, void *v);

/*
 * Fault injection for the tests (debugfs cpuset_isolation/fail_step, with
 * CONFIG_CPUSET_ISOLATION_FAULT_INJECTION): the 1-based index of the step
 * that the next update fails, or 0. Reading it disarms it.
 */
u32 cpuset_isolation_take_fail_step(void);

/*
 * Likewise (debugfs cpuset_isolation/fail_alloc): the 1-based index of the
 * allocation of the next update that must fail, or 0; taking it disarms it.
 * An update allocates everything before its first step.
 */
u32 cpuset_isolation_take_fail_alloc(void);

/*
 * Whether a message of the state machine that a user can cause (a refused
 * partition write, possibly by a delegated cgroup's owner) may be printed now:
 * the kernel's default rate limit, shared by all such messages.
 */
bool cpuset_isolation_log_ratelimit(void);
#else
static inline bool cpuset_isolation_kthread_affinity(struct task_struct *task,
						     struct cpumask *new_cpus)
{
	return true;
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

/* Full dynticks chosen at runtime (nohz_full=dynamic): kernel/time/tick-sched.c. */
#ifdef CONFIG_NO_HZ_FULL
int tick_nohz_full_isolate_cpus(const struct cpumask *isolated);
int tick_nohz_full_timekeeper(void);
#else
static inline int tick_nohz_full_isolate_cpus(const struct cpumask *isolated)
{
	return cpumask_empty(isolated) ? 0 : -EOPNOTSUPP;
}

static inline int tick_nohz_full_timekeeper(void)
{
	return -1;
}
#endif

/* RCU callbacks of isolated CPUs, offloaded since boot: kernel/rcu/tree_nocb.h. */
#ifdef CONFIG_RCU_NOCB_CPU
bool rcu_nocb_all_offloaded(void);
int rcu_nocb_isolate_cpus(const struct cpumask *isolated);
#else
static inline bool rcu_nocb_all_offloaded(void)
{
	return false;
}

static inline int rcu_nocb_isolate_cpus(const struct cpumask *isolated)
{
	return cpumask_empty(isolated) ? 0 : -EOPNOTSUPP;
}
#endif

/* Lockup detectors: kernel/watchdog.c. Takes effect from a work item. */
#ifdef CONFIG_LOCKUP_DETECTOR
void watchdog_isolate_cpus(const struct cpumask *isolated);
#else
static inline void watchdog_isolate_cpus(const struct cpumask *isolated) { }
#endif

#endif /* _LINUX_CPUSET_ISOLATION_H */
