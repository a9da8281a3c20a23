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
use kernel::cpumask::{nr_cpumask_words, Cpumask, CpumaskVar};
use kernel::cpuset_hk::{self, CpusReadLocked};
use kernel::prelude::*;

/// A CPU set of the planning core over words of a [`Transaction`], `BITS_TO_LONGS(nr_cpu_ids)`
/// of them.
pub(crate) type KCpuSet<'a> = CpuSet<&'a mut [usize]>;

/// Noise classes that isolated partitions remove in this boot: the domain tier always, RCU
/// callbacks and the tick with their boot opt-ins (see `cpuset_isolation_available()`).
pub(crate) fn enabled() -> Features {
    Features::from_bits(cpuset_hk::available_features())
}

/// The memory of one update: every CPU set that planning and running it need, in one
/// allocation of `Transaction::SETS * BITS_TO_LONGS(nr_cpu_ids)` words, and the kernel masks
/// that its steps, and their undo, hand to the kernel ([`Masks`]), all taken before anything
/// changes. So the work follows `nr_cpu_ids`, not `NR_CPUS`, no set lives on the stack, a
/// failed allocation fails the update before its first step, and an undo allocates nothing
/// here.
pub(crate) struct Transaction {
    words: KVec<usize>,
    masks: Masks,
}

/// Kernel masks of a [`Transaction`].
pub(crate) struct Masks {
    /// One per housekeeping type for the publish step; the first one for the other steps.
    hk: KVec<CpumaskVar>,
    /// A copy of a live housekeeping mask.
    live: CpumaskVar,
    /// Scratch words.
    words: KVec<usize>,
}

/// The sets of a [`Transaction`], carved out of its words.
pub(crate) struct Sets<'a> {
    /// The boot housekeeping masks.
    pub(crate) snap: Snapshot<&'a mut [usize]>,
    /// The isolated set applied now.
    pub(crate) current: KCpuSet<'a>,
    /// The isolated set asked for.
    pub(crate) wanted: KCpuSet<'a>,
    /// The online CPUs.
    pub(crate) online: KCpuSet<'a>,
    /// Scratch.
    scratch: KCpuSet<'a>,
    /// The plan.
    pub(crate) plan: plan::Plan<&'a mut [usize]>,
    /// The kernel masks.
    masks: &'a mut Masks,
}

impl Transaction {
    /// Sets of one transaction: the snapshot's, current, wanted, online, scratch and the
    /// plan's.
    const SETS: usize = HK_TYPES + 4 + plan::Plan::<&mut [usize]>::SETS;

    pub(crate) fn new() -> Result<Self> {
        Self::alloc(|| Ok(()))
    }

    /// Allocates a transaction; `point` runs before each allocation and fails it when it
    /// fails (fault injection).
    fn alloc(mut point: impl FnMut() -> Result) -> Result<Self> {
        let n = nr_cpumask_words();
        point()?;
        let words = KVec::from_elem(0usize, Self::SETS * n, GFP_KERNEL)?;
        let mut hk = KVec::with_capacity(HK_TYPES, GFP_KERNEL)?;
        for _ in 0..HK_TYPES {
            point()?;
            hk.push(CpumaskVar::new_zero(GFP_KERNEL)?, GFP_KERNEL)?;
        }
        point()?;
        let live = CpumaskVar::new_zero(GFP_KERNEL)?;
        point()?;
        let scratch = KVec::from_elem(0usize, n, GFP_KERNEL)?;
        Ok(Transaction {
            words,
            masks: Masks {
                hk,
                live,
                words: scratch,
            },
        })
    }

    /// Allocates the transaction of an update: with the fault-injection control armed
    /// (debugfs `cpuset_isolation/fail_alloc`, N), its N-th allocation fails.
    fn for_update() -> Result<Self> {
        let mut left = cpuset_hk::take_fail_alloc();
        Self::alloc(|| match left {
            0 => Ok(()),
            1 => {
                left = 0;
                Err(ENOMEM)
            }
            _ => {
                left -= 1;
                Ok(())
            }
        })
    }

    /// Carves the sets and reads the boot housekeeping masks and the online CPUs.
    pub(crate) fn sets(&mut self) -> Result<Sets<'_>> {
        let n = nr_cpumask_words();
        let masks = &mut self.masks;
        let mut chunks = self.words.chunks_exact_mut(n);
        // The allocation holds exactly `SETS` chunks, so this never runs out (an empty set
        // would only make plans refuse).
        let mut next = || CpuSet::from_storage(chunks.next().unwrap_or_default());
        let mut boot: [KCpuSet<'_>; HK_TYPES] = core::array::from_fn(|_| next());
        for (hk, set) in HkType::ALL.iter().zip(boot.iter_mut()) {
            let mask = cpuset_hk::housekeeping_boot_mask(*hk as u32).ok_or(EINVAL)?;
            mask.copy_to_words(set.words_mut());
        }
        let (current, wanted, mut online, scratch) = (next(), next(), next(), next());
        cpuset_hk::online().copy_to_words(online.words_mut());
        Ok(Sets {
            snap: Snapshot {
                boot,
                nr_cpu_ids: kernel::cpu::nr_cpu_ids(),
                available: enabled(),
            },
            current,
            wanted,
            online,
            scratch,
            plan: plan::Plan::from_fn(|| chunks.next().unwrap_or_default()),
            masks,
        })
    }
}

impl Masks {
    /// The first mask, holding `set`.
    fn of(&mut self, set: &KCpuSet<'_>) -> Result<&Cpumask> {
        let mask = self.hk.first_mut().ok_or(EINVAL)?;
        mask.copy_from_words(set.words());
        Ok(mask)
    }
}

fn refusal_error(r: Refusal) -> Error {
    Error::from_errno(-r.errno())
}

/// Brings the part of the kernel that `kind` covers in line with `isolated`.
/// Allocates nothing: the masks come from the transaction.
fn apply(
    kind: StepKind,
    isolated: &KCpuSet<'_>,
    snap: &Snapshot<&mut [usize]>,
    m: &mut Masks,
    cpus: &CpusReadLocked,
) -> Result {
    match kind {
        StepKind::PublishMasks => {
            let Masks {
                hk: masks, words, ..
            } = m;
            let mut scratch = CpuSet::from_storage(words.as_mut_slice());
            for hk in HkType::ALL {
                if snap.available.covers(hk) {
                    let mask = masks.get_mut(hk.index()).ok_or(EINVAL)?;
                    scratch.copy_from(&snap.boot[hk.index()]);
                    scratch.andnot_assign(isolated);
                    mask.copy_from_words(scratch.words());
                }
            }
            let mut refs: [Option<&Cpumask>; HK_TYPES] = [None; HK_TYPES];
            for hk in HkType::ALL {
                if snap.available.covers(hk) {
                    refs[hk.index()] = masks.get(hk.index()).map(|m| &**m);
                }
            }
            cpuset_hk::housekeeping_update(&refs, cpus)
        }
        StepKind::UnboundWorkqueues => cpuset_hk::workqueue_unbound_exclude(m.of(isolated)?, cpus),
        // Unpinned timers follow the HK_TYPE_TIMER mask published above; this keeps the
        // isolated CPUs out of the timer migration hierarchy.
        StepKind::Timers => cpuset_hk::tmigr_isolate(m.of(isolated)?, cpus),
        StepKind::Watchdog => {
            cpuset_hk::watchdog_isolate(m.of(isolated)?);
            Ok(())
        }
        // cpuset rebuilds the sched domains and re-affines the tasks of the top cpuset itself,
        // after this call (keeping kthread affinities set by a user, see glue.c), so these
        // steps have nothing to do here.
        StepKind::SchedDomains | StepKind::Kthreads => Ok(()),
        // Callbacks are offloaded since boot; their rcuog/rcuo kthreads are re-affined by
        // cpuset with the other kthreads of the top cpuset.
        StepKind::RcuNocb => cpuset_hk::rcu_nocb_isolate(m.of(isolated)?, cpus),
        // Hands the timekeeping duty over first if its holder is isolated.
        StepKind::Tick => cpuset_hk::tick_nohz_full_isolate(m.of(isolated)?, cpus),
        // Not available, so never planned.
        StepKind::ManagedIrq => Err(EINVAL),
    }
}

/// Reads the isolated set applied now into `s.current`: the boot `HK_TYPE_DOMAIN` mask minus
/// the live one.
fn read_applied(s: &mut Sets<'_>) -> Result {
    let live = &mut s.masks.live;
    cpuset_hk::housekeeping_copy(HkType::Domain as u32, live)?;
    live.copy_to_words(s.scratch.words_mut());
    s.current.copy_from(&s.snap.boot[HkType::Domain.index()]);
    s.current.andnot_assign(&s.scratch);
    Ok(())
}

/// Plans the change from `s.current` to `s.wanted` into `s.plan`.
fn plan_for(s: &mut Sets<'_>) -> Result {
    // CPUs isolated at boot (isolcpus=) are in cpuset's set too; they are not ours to change.
    s.wanted.and_assign(&s.snap.boot[HkType::Domain.index()]);
    let wanted = [CpuSet::from_storage(s.wanted.words())];
    let req = Request {
        partitions: &wanted,
        online: CpuSet::from_storage(s.online.words()),
        features: s.snap.available,
        timekeeper: cpuset_hk::timekeeper(),
    };
    plan::plan(&s.snap, &s.current, &req, &mut s.plan).map_err(|refusal| {
        // A refusal follows from a partition write, which a delegated cgroup's owner can make.
        if cpuset_hk::log_ratelimit() {
            pr_info!("isolating {} refused: {}\n", wanted[0], refusal);
        }
        refusal_error(refusal)
    })
}

/// Validates isolating `adding` on top of `isolated` without changing anything.
pub(crate) fn check(isolated: &Cpumask, adding: &Cpumask) -> Result {
    if cpuset_hk::isolation_disabled() {
        return Ok(());
    }
    let mut tx = Transaction::new()?;
    let mut s = tx.sets()?;
    read_applied(&mut s)?;
    isolated.copy_to_words(s.wanted.words_mut());
    adding.copy_to_words(s.scratch.words_mut());
    s.wanted.or_assign(&s.scratch);
    plan_for(&mut s)
}

/// What [`update`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The housekeeping state follows the set asked for.
    Applied,
    /// Isolating the new CPUs was refused; the CPUs that left isolation were released.
    Refused,
}

/// Makes the housekeeping state follow `isolated`, the CPUs of all isolated partitions.
///
/// A release is always applied. When the new set is refused (cpuset reached here on a path
/// it did not check first), the CPUs that left are still released and the result is
/// [`Outcome::Refused`]. A failing release step is logged and the release goes on with the
/// next step; only a failing isolate step rolls back, and only the isolate steps completed
/// before it. The memory of the whole update is allocated first ([`Transaction`]). Either
/// way, the CPUs of `isolated` that are not isolated afterwards are those the caller must
/// take back (cpuset invalidates their partitions).
pub(crate) fn update(isolated: &Cpumask, cpus: &CpusReadLocked) -> Result<Outcome> {
    if cpuset_hk::isolation_disabled() {
        // Stock 6.12: only unbound workqueues follow isolated partitions.
        cpuset_hk::workqueue_unbound_exclude(isolated, cpus)?;
        return Ok(Outcome::Applied);
    }
    let mut tx = Transaction::for_update()?;
    let mut s = tx.sets()?;
    read_applied(&mut s)?;
    isolated.copy_to_words(s.wanted.words_mut());
    match plan_for(&mut s) {
        Ok(()) => run(&mut s, cpus).map(|()| Outcome::Applied),
        Err(_) => {
            // Releasing only adds housekeeping CPUs: such a plan is never refused.
            s.wanted.and_assign(&s.current);
            plan_for(&mut s)?;
            run(&mut s, cpus)?;
            Ok(Outcome::Refused)
        }
    }
}

/// Runs the steps of `s.plan`, see [`update`].
fn run(s: &mut Sets<'_>, cpus: &CpusReadLocked) -> Result {
    let plan = &s.plan;
    let m = &mut *s.masks;
    let fail_at = cpuset_hk::take_fail_step() as usize;
    let mut release_err = Ok(());
    for (i, step) in plan.steps.iter().enumerate() {
        let res = if fail_at == i + 1 {
            Err(EIO)
        } else {
            apply(step.kind, plan.isolated_after(i), &s.snap, m, cpus)
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
            if let Err(e) = apply(undo.kind, plan.isolated_before(done), &s.snap, m, cpus) {
                pr_err!("undoing {} failed: {}\n", undo.kind.name(), e.to_errno());
            }
        }
        return Err(err);
    }
    release_err
}
