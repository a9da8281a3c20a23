// SPDX-License-Identifier: GPL-2.0

#include <linux/cpumask.h>
#include <linux/cpuset_isolation.h>
#include <linux/rcupdate.h>
#include <linux/sched/isolation.h>

bool rust_helper_cpumask_test_cpu(int cpu, const struct cpumask *srcp)
{
	return cpumask_test_cpu(cpu, srcp);
}

void rust_helper_cpumask_set_cpu(unsigned int cpu, struct cpumask *dstp)
{
	cpumask_set_cpu(cpu, dstp);
}

void rust_helper_cpumask_clear_cpu(int cpu, struct cpumask *dstp)
{
	cpumask_clear_cpu(cpu, dstp);
}

unsigned int rust_helper_cpumask_weight(const struct cpumask *srcp)
{
	return cpumask_weight(srcp);
}

unsigned int rust_helper_cpuset_hk_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

void rust_helper_cpuset_hk_housekeeping_copy(struct cpumask *dstp, enum hk_type type)
{
	rcu_read_lock();
	cpumask_copy(dstp, housekeeping_cpumask(type));
	rcu_read_unlock();
}

void rust_helper_cpuset_hk_watchdog_isolate(const struct cpumask *isolated)
{
	watchdog_isolate_cpus(isolated);
}

int rust_helper_cpuset_hk_tmigr_isolate(const struct cpumask *isolated)
{
	return tmigr_isolate_cpus(isolated);
}

int rust_helper_cpuset_hk_tick_isolate(const struct cpumask *isolated)
{
	return tick_nohz_full_isolate_cpus(isolated);
}

int rust_helper_cpuset_hk_timekeeper(void)
{
	return tick_nohz_full_timekeeper();
}

int rust_helper_cpuset_hk_rcu_nocb_isolate(const struct cpumask *isolated)
{
	return rcu_nocb_isolate_cpus(isolated);
}

void rust_helper_cpumask_copy(struct cpumask *dstp, const struct cpumask *srcp)
{
	cpumask_copy(dstp, srcp);
}

bool rust_helper_zalloc_cpumask_var(cpumask_var_t *mask, gfp_t flags)
{
	return zalloc_cpumask_var(mask, flags);
}
