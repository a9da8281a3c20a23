// SPDX-License-Identifier: GPL-2.0

//! Runtime CPU isolation driven by isolated cpuset partitions.
//!
//! This crate is built into vmlinux. It has three parts:
//!
//! - [`plan`]: the planning core, plain Rust without kernel dependencies, shared with the host
//!   tests in `tools/testing/selftests/cgroup/dhei/plan-tests`. Given the boot housekeeping
//!   masks, the online CPUs and the isolated partitions it computes the target housekeeping
//!   masks and the ordered steps to reach them, or refuses with a reason.
//! - [`machine`]: runs the steps against the kernel through [`kernel::cpuset_hk`] and rolls
//!   back on failure.
//! - [`cpuset_isolation_check`] and [`cpuset_isolation_update`], the `extern "C"` entries that
//!   cpuset calls before it commits a change of its isolated CPUs and after; declared in
//!   `include/linux/cpuset_isolation.h`.
//!
//! At boot the crate checks that the planning core agrees with the kernel's own housekeeping
//! masks: planning "no isolated partition" must give back the boot masks exactly, and
//! isolating every online CPU must be refused.

use kernel::bindings;
use kernel::cpumask::Cpumask;
use kernel::cpuset_hk::{self, CpusReadLocked, HK_TYPE_MAX};
use kernel::prelude::*;

pub mod machine;
pub mod plan;

use machine::{Sets, Transaction};
use plan::{CpuSet, Features, HkType, Refusal, Request, HK_TYPES};

const _: () = assert!(
    HK_TYPES == HK_TYPE_MAX,
    "plan::HkType must mirror enum hk_type"
);
const _: () = assert!(
    Features::DOMAIN.bits() == bindings::cpuset_isolation_feature_CPUSET_ISOLATION_DOMAIN
        && Features::RCU.bits() == bindings::cpuset_isolation_feature_CPUSET_ISOLATION_RCU
        && Features::TICK.bits() == bindings::cpuset_isolation_feature_CPUSET_ISOLATION_TICK
        && Features::MANAGED_IRQ.bits()
            == bindings::cpuset_isolation_feature_CPUSET_ISOLATION_MANAGED_IRQ,
    "plan::Features must mirror enum cpuset_isolation_feature"
);

module! {
    type: CpusetIsolation,
    name: "cpuset_isolation",
    author: "dhei",
    description: "Runtime CPU isolation through isolated cpuset partitions",
    license: "GPL",
}

struct CpusetIsolation;

/// Called by cpuset, with `cpus_read_lock()` held, after its set of isolated CPUs changed.
/// cpuset calls it after dropping `cpuset_mutex` (steps create kthreads, see
/// `cpuset_update_isolation()`), under a mutex of its own that serialises the calls. Returns 0,
/// 1 when isolating new CPUs was refused (their release was applied), or the negative errno of
/// a failure; see [`machine::update`] for what a failure leaves. cpuset then invalidates the
/// partitions of the CPUs left out of isolation.
///
/// # Safety
///
/// `isolated` points to a valid `struct cpumask` that nobody changes for the duration of the
/// call, the caller holds `cpus_read_lock()`, and calls are serialised.
#[no_mangle]
pub unsafe extern "C" fn cpuset_isolation_update(isolated: *const bindings::cpumask) -> i32 {
    // SAFETY: The caller guarantees that `cpus_read_lock()` is held during this call.
    let cpus = unsafe { CpusReadLocked::assume_held() };
    // SAFETY: The caller guarantees the mask is valid and unchanged for the call.
    let isolated = unsafe { Cpumask::as_ref(isolated) };
    match machine::update(isolated, &cpus) {
        Ok(machine::Outcome::Applied) => 0,
        Ok(machine::Outcome::Refused) => 1,
        Err(e) => e.to_errno(),
    }
}

/// Called by cpuset before it commits a change that isolates `adding` on top of `isolated`.
/// Returns 0, or the negative errno of the refusal, whose reason is logged.
///
/// # Safety
///
/// Both pointers point to valid `struct cpumask`s for the duration of the call, and the caller
/// holds `cpus_read_lock()` and `cpuset_mutex`.
#[no_mangle]
pub unsafe extern "C" fn cpuset_isolation_check(
    isolated: *const bindings::cpumask,
    adding: *const bindings::cpumask,
) -> i32 {
    // SAFETY: The caller guarantees both masks are valid for the call and unchanged under
    // cpuset_mutex.
    let (isolated, adding) = unsafe { (Cpumask::as_ref(isolated), Cpumask::as_ref(adding)) };
    match machine::check(isolated, adding) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Checks the planning core against the live kernel masks.
fn self_check(s: &mut Sets<'_>) -> Result {
    // Nothing is isolated at boot: `s.current` is empty.
    let release = Request {
        partitions: &[],
        online: CpuSet::from_storage(s.online.words()),
        features: s.snap.available,
        timekeeper: None,
    };
    plan::plan(&s.snap, &s.current, &release, &mut s.plan).map_err(|_| EINVAL)?;
    if s.plan.target != s.snap.boot || !s.plan.steps.is_empty() {
        pr_err!("planning core: empty request does not give the boot masks\n");
        return Err(EINVAL);
    }

    let everything = [release.online];
    let all = Request {
        partitions: &everything,
        ..release
    };
    match plan::plan(&s.snap, &s.current, &all, &mut s.plan) {
        Err(Refusal::NoHousekeepingCpu { .. }) => Ok(()),
        other => {
            pr_err!(
                "planning core: isolating every online CPU was not refused: {:?}\n",
                other.err()
            );
            Err(EINVAL)
        }
    }
}

impl kernel::Module for CpusetIsolation {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if cpuset_hk::isolation_disabled() {
            pr_info!("off (cpuset_isolation=off): isolated partitions behave as in stock 6.12\n");
            return Ok(CpusetIsolation);
        }
        let mut tx = Transaction::new()?;
        let mut s = tx.sets()?;
        self_check(&mut s)?;
        pr_info!(
            "planning core ready: {} housekeeping types, nr_cpu_ids {}, domain housekeeping {}, removes {}\n",
            HK_TYPES,
            s.snap.nr_cpu_ids,
            s.snap.boot[HkType::Domain.index()],
            s.snap.available
        );
        Ok(CpusetIsolation)
    }
}
