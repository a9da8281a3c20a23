// SPDX-License-Identifier: GPL-2.0

//! The state machine: runs the steps of a plan against the kernel, in order, and undoes the
//! completed ones, in reverse, when a step fails.
//!
//! No state is kept here: the isolated set that is applied now is derived from the kernel's
//! live `HK_TYPE_DOMAIN` mask and its boot snapshot, so a failed or refused update leaves
//! nothing to resynchronise.
//!
//! Each step brings one part of the kernel in line with an isolated set, which the planning
//! core gives ([`plan::Plan::isolated_after`]); the undo of a step re-establishes the set that
//! held before it ([`plan::Plan::isolated_before`]).

use crate::plan::{
    self, CpuSet, Direction, Features, HkType, Refusal, Request, Snapshot, StepKind, HK_TYPES,
};
use kernel::cpuset_hk::{self, Cpumask, CpusReadLocked, CPUMASK_WORDS};
use kernel::prelude::*;

/// CPU sets of this kernel's `NR_CPUS`.
pub(crate) type KCpuSet = CpuSet<CPUMASK_WORDS>;

/// Noise classes that isolated partitions remove in this boot: the domain tier always, RCU
/// callbacks and the tick with their boot opt-ins (see `cpuset_isolation_available()`).
pub(crate) fn enabled() -> Features {
    Features::from_bits(cpuset_hk::available_features())
}

pub(crate) fn to_set(mask: &Cpumask) -> KCpuSet {
    CpuSet::from_words(&mask.words())
}

fn to_mask(set: &KCpuSet) -> Result<KBox<Cpumask>> {
    let mut mask = Cpumask::new_zeroed(GFP_KERNEL)?;
    mask.copy_from_words(set.words());
    Ok(mask)
}

/// Reads the boot housekeeping masks into a planning snapshot.
pub(crate) fn boot_snapshot() -> Result<KBox<Snapshot<CPUMASK_WORDS>>> {
    let mut boot = [KCpuSet::new(); HK_TYPES];
    for hk in HkType::ALL {
        let mask = cpuset_hk::housekeeping_boot_mask(hk as u32).ok_or(EINVAL)?;
        boot[hk.index()] = to_set(mask);
    }
    Ok(KBox::new(
        Snapshot {
            boot,
            nr_cpu_ids: cpuset_hk::nr_cpu_ids(),
            available: enabled(),
        },
        GFP_KERNEL,
    )?)
}

fn refusal_error(r: Refusal) -> Error {
    Error::from_errno(-r.errno())
}

/// Brings the part of the kernel that `kind` covers in line with `isolated`.
fn apply(
    kind: StepKind,
    isolated: &KCpuSet,
    snap: &Snapshot<CPUMASK_WORDS>,
    cpus: &CpusReadLocked,
) -> Result {
    match kind {
        StepKind::PublishMasks => {
            let mut masks: [Option<KBox<Cpumask>>; HK_TYPES] = Default::default();
            for hk in HkType::ALL {
                if snap.available.covers(hk) {
                    masks[hk.index()] = Some(to_mask(&snap.boot[hk.index()].andnot(isolated))?);
                }
            }
            let refs: [Option<&Cpumask>; HK_TYPES] = core::array::from_fn(|i| masks[i].as_deref());
            cpuset_hk::housekeeping_update(&refs, cpus)
        }
        StepKind::UnboundWorkqueues => {
            cpuset_hk::workqueue_unbound_exclude(&*to_mask(isolated)?, cpus)
        }
        // Unpinned timers follow the HK_TYPE_TIMER mask published above; this keeps the
        // isolated CPUs out of the timer migration hierarchy.
        StepKind::Timers => cpuset_hk::tmigr_isolate(&*to_mask(isolated)?, cpus),
        StepKind::Watchdog => {
            cpuset_hk::watchdog_isolate(&*to_mask(isolated)?);
            Ok(())
        }
        // cpuset rebuilds the sched domains and re-affines the tasks of the top cpuset itself,
        // after this call (keeping kthread affinities set by a user, see glue.c), so these
        // steps have nothing to do here.
        StepKind::SchedDomains | StepKind::Kthreads => Ok(()),
        // Callbacks are offloaded since boot; their rcuog/rcuo kthreads are re-affined by
        // cpuset with the other kthreads of the top cpuset.
        StepKind::RcuNocb => cpuset_hk::rcu_nocb_isolate(&*to_mask(isolated)?, cpus),
        // Hands the timekeeping duty over first if its holder is isolated.
        StepKind::Tick => cpuset_hk::tick_nohz_full_isolate(&*to_mask(isolated)?, cpus),
        // Not available, so never planned.
        StepKind::ManagedIrq => Err(EINVAL),
    }
}

/// The isolated set applied now, derived from the live and the boot `HK_TYPE_DOMAIN` masks.
fn applied(snap: &Snapshot<CPUMASK_WORDS>) -> Result<KCpuSet> {
    let mut live = Cpumask::new_zeroed(GFP_KERNEL)?;
    cpuset_hk::housekeeping_copy(HkType::Domain as u32, &mut live)?;
    Ok(snap.boot[HkType::Domain.index()].andnot(&to_set(&live)))
}

/// Plans the change from the applied set to `wanted`.
fn plan_for(
    snap: &Snapshot<CPUMASK_WORDS>,
    current: &KCpuSet,
    wanted: KCpuSet,
) -> Result<KBox<plan::Plan<CPUMASK_WORDS>>> {
    // CPUs isolated at boot (isolcpus=) are in cpuset's set too; they are not ours to change.
    let wanted = [wanted.and(&snap.boot[HkType::Domain.index()])];
    let req = Request {
        partitions: &wanted,
        online: to_set(cpuset_hk::online()),
        features: snap.available,
        timekeeper: cpuset_hk::timekeeper(),
    };
    match plan::plan(snap, current, &req) {
        Ok(plan) => Ok(KBox::new(plan, GFP_KERNEL)?),
        Err(refusal) => {
            pr_info!("isolating {} refused: {}\n", wanted[0], refusal);
            Err(refusal_error(refusal))
        }
    }
}

/// Validates isolating `adding` on top of `isolated` without changing anything.
pub(crate) fn check(isolated: &Cpumask, adding: &Cpumask) -> Result {
    if cpuset_hk::isolation_disabled() {
        return Ok(());
    }
    let snap = boot_snapshot()?;
    let current = applied(&snap)?;
    plan_for(&snap, &current, to_set(isolated).or(&to_set(adding))).map(|_| ())
}

/// Makes the housekeeping state follow `isolated`, the CPUs of all isolated partitions.
///
/// A release is always applied. When the new set is refused (cpuset reached here on a path
/// it did not check first), the CPUs that left are still released and the refusal is
/// returned. A failing release step is logged and the release goes on with the next step;
/// only a failing isolate step rolls back, and only the isolate steps completed before it.
pub(crate) fn update(isolated: &Cpumask, cpus: &CpusReadLocked) -> Result {
    if cpuset_hk::isolation_disabled() {
        // Stock 6.12: only unbound workqueues follow isolated partitions.
        return cpuset_hk::workqueue_unbound_exclude(isolated, cpus);
    }
    let snap = boot_snapshot()?;
    let current = applied(&snap)?;
    let wanted = to_set(isolated);
    match plan_for(&snap, &current, wanted) {
        Ok(plan) => run(&plan, &snap, cpus),
        Err(refused) => {
            // Releasing only adds housekeeping CPUs: such a plan is never refused.
            let plan = plan_for(&snap, &current, wanted.and(&current))?;
            run(&plan, &snap, cpus)?;
            Err(refused)
        }
    }
}

/// Runs the steps of `plan`, see [`update`].
fn run(
    plan: &plan::Plan<CPUMASK_WORDS>,
    snap: &Snapshot<CPUMASK_WORDS>,
    cpus: &CpusReadLocked,
) -> Result {
    let fail_at = cpuset_hk::take_fail_step() as usize;
    let mut release_err = Ok(());
    for (i, step) in plan.steps.iter().enumerate() {
        let res = if fail_at == i + 1 {
            Err(EIO)
        } else {
            apply(step.kind, &plan.isolated_after(i), snap, cpus)
        };
        let Err(err) = res else { continue };
        if step.dir == Direction::Release {
            pr_warn!(
                "release step {} ({}) failed: {}; continuing\n",
                i + 1,
                step.kind.name(),
                err.to_errno()
            );
            release_err = Err(err);
            continue;
        }
        let undo = plan.steps.rollback_isolate(i);
        pr_warn!(
            "step {} ({} {:?}) failed: {}; undoing {} steps\n",
            i + 1,
            step.kind.name(),
            step.dir,
            err.to_errno(),
            undo.len()
        );
        for (undo, done) in undo.iter().zip((0..i).rev()) {
            if let Err(e) = apply(undo.kind, &plan.isolated_before(done), snap, cpus) {
                pr_err!("undoing {} failed: {}\n", undo.kind.name(), e.to_errno());
            }
        }
        return Err(err);
    }
    release_err
}
