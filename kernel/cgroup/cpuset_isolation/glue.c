// SPDX-License-Identifier: GPL-2.0
/*
 * C side of the cpuset isolation state machine: the kthread affinity policy,
 * the cpuset.housekeeping file and the fault-injection control. The state
 * machine itself is Rust.
 */
#include <linux/cpuset_isolation.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/isolation.h>
#include <linux/seq_file.h>
#include <linux/tick.h>

/* cpuset_isolation=off: isolated partitions behave as in stock 6.12. */
static bool isolation_off __ro_after_init;

static int __init cpuset_isolation_setup(char *str)
{
	if (strcmp(str, "off"))
		return 0;
	isolation_off = true;
	return 1;
}
__setup("cpuset_isolation=", cpuset_isolation_setup);

bool cpuset_isolation_disabled(void)
{
	return isolation_off;
}

/*
 * Whether @task has an affinity set by a user (sched_setaffinity(), taskset)
 * that has no CPU in both @a and @b (@b may be NULL). user_cpus_ptr is
 * replaced and freed under pi_lock, so it is only looked at under that lock.
 */
static bool user_affinity_outside(struct task_struct *task,
				  const struct cpumask *a,
				  const struct cpumask *b)
{
	int cpu;

	guard(raw_spinlock_irqsave)(&task->pi_lock);
	if (!task->user_cpus_ptr)
		return false;
	for_each_cpu_and(cpu, a, task->user_cpus_ptr)
		if (!b || cpumask_test_cpu(cpu, b))
			return false;
	return true;
}

/*
 * The node whose kswapd or kcompactd @task is, or NUMA_NO_NODE. The pgdat
 * pointers change only when those threads start or stop (memory hotplug); a
 * racy look can at worst miss a thread that is starting, which then sets its
 * node affinity itself.
 */
static int kthread_node(struct task_struct *task)
{
	int nid;

	if (!(task->flags & (PF_KSWAPD | PF_KCOMPACTD)))
		return NUMA_NO_NODE;
	for_each_node_state(nid, N_MEMORY) {
		pg_data_t *pgdat = NODE_DATA(nid);

		/* Only compared, never dereferenced: see above. */
		if (data_race(pgdat->kswapd) == task)
			return nid;
#ifdef CONFIG_COMPACTION
		/* Only compared, never dereferenced: see above. */
		if (data_race(pgdat->kcompactd) == task)
			return nid;
#endif
	}
	return NUMA_NO_NODE;
}

bool cpuset_isolation_kthread_affinity(struct task_struct *task,
				       struct cpumask *new_cpus)
{
	const struct cpumask *node_cpus;
	int nid;

	if (isolation_off || !(task->flags & PF_KTHREAD))
		return true;
	/*
	 * A kthread whose affinity a user set gets the part of @new_cpus the
	 * user allowed, as in stock 6.12: set_cpus_allowed_ptr() intersects
	 * with user_cpus_ptr. Where stock then falls back to all of @new_cpus,
	 * the user's mask is kept: a kthread pinned to CPUs that all become
	 * isolated stays there.
	 */
	if (user_affinity_outside(task, new_cpus, NULL))
		return false;
	if (!IS_ENABLED(CONFIG_NUMA))
		return true;
	nid = kthread_node(task);
	if (nid == NUMA_NO_NODE)
		return true;
	/*
	 * The node mask, or every CPU outside partitions when none of it is
	 * left, or none of it that the user allowed: a user's mask wins over
	 * the node.
	 */
	node_cpus = cpumask_of_node(nid);
	if (cpumask_intersects(new_cpus, node_cpus) &&
	    !user_affinity_outside(task, new_cpus, node_cpus))
		cpumask_and(new_cpus, new_cpus, node_cpus);
	return true;
}

bool cpuset_isolation_log_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&rs);
}

/* The kernel's live masks, not the state machine's idea of them. */
int cpuset_isolation_housekeeping_show(struct seq_file *sf, void *v)
{
	int tk = tick_nohz_full_timekeeper();
	enum hk_type type;

	rcu_read_lock();
	for (type = 0; type < HK_TYPE_MAX; type++)
		seq_printf(sf, "%s %*pbl\n", housekeeping_type_name(type),
			   cpumask_pr_args(housekeeping_cpumask(type)));
	rcu_read_unlock();
	/*
	 * With full dynticks the duty stays with one CPU, which keeps its
	 * tick; otherwise it wanders to whichever CPU is not idle.
	 */
	if (!tick_nohz_full_enabled())
		return 0;
	seq_puts(sf, "timekeeping");
	if (tk >= 0)
		seq_printf(sf, " %d", tk);
	seq_putc(sf, '\n');
	return 0;
}

u32 cpuset_isolation_available(void)
{
	u32 features = CPUSET_ISOLATION_DOMAIN;

	if (isolation_off)
		return 0;
	if (rcu_nocb_all_offloaded()) {
		features |= CPUSET_ISOLATION_RCU;
		/* A CPU whose callbacks run locally cannot stop its tick. */
		if (tick_nohz_full_dynamic && tick_nohz_full_enabled())
			features |= CPUSET_ISOLATION_TICK;
	}
	return features;
}

static const struct {
	u32 feature;
	const char *name;
	const char *needs;
} features[] = {
	{ CPUSET_ISOLATION_DOMAIN, "domain", NULL },
	{ CPUSET_ISOLATION_RCU, "rcu", "boot with rcu_nocbs=all or nohz_full=dynamic" },
	{ CPUSET_ISOLATION_TICK, "tick", "boot with nohz_full=dynamic" },
	{ CPUSET_ISOLATION_MANAGED_IRQ, "managed_irq", "not implemented" },
};

/* What isolated partitions remove in this boot, and what is missing for the rest. */
int cpuset_isolation_features_show(struct seq_file *sf, void *v)
{
	u32 available = cpuset_isolation_available();
	int i;

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		if (available & features[i].feature)
			seq_printf(sf, "%s on\n", features[i].name);
		else if (isolation_off)
			seq_printf(sf, "%s off (cpuset_isolation=off)\n",
				   features[i].name);
		else
			seq_printf(sf, "%s unavailable (%s)\n", features[i].name,
				   features[i].needs);
	}
	return 0;
}

#ifdef CONFIG_CPUSET_ISOLATION_FAULT_INJECTION
static u32 fail_step, fail_alloc;

u32 cpuset_isolation_take_fail_step(void)
{
	return xchg(&fail_step, 0);
}

u32 cpuset_isolation_take_fail_alloc(void)
{
	return xchg(&fail_alloc, 0);
}

static int __init cpuset_isolation_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("cpuset_isolation", NULL);

	debugfs_create_u32("fail_step", 0600, dir, &fail_step);
	debugfs_create_u32("fail_alloc", 0600, dir, &fail_alloc);
	return 0;
}
late_initcall(cpuset_isolation_debugfs_init);
#else
u32 cpuset_isolation_take_fail_step(void)
{
	return 0;
}

u32 cpuset_isolation_take_fail_alloc(void)
{
	return 0;
}
#endif
