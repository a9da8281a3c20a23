// SPDX-License-Identifier: GPL-2.0

//! Runtime CPU isolation driven by isolated cpuset partitions.
//!
//! This crate is built into vmlinux. It has two parts:
//!
//! - [`plan`]: the planning core, plain Rust without kernel dependencies, shared with the host
//!   tests in `tools/testing/selftests/cgroup/dhei/plan-tests`. Given the boot housekeeping
//!   masks, the online CPUs and the isolated partitions it computes the target housekeeping
//!   masks and the ordered steps to reach them, or refuses with a reason.
//! - the kernel side, which reads the live masks through [`kernel::cpuset_hk`].
//!
//! At boot the crate checks that the planning core agrees with the kernel's own housekeeping
//! masks: planning "no isolated partition" must give back the boot masks exactly, and
//! isolating every online CPU must be refused.

use kernel::cpuset_hk::{self, Cpumask, CPUMASK_WORDS, HK_TYPE_MAX};
use kernel::prelude::*;

pub mod plan;

use plan::{CpuSet, Features, HkType, Refusal, Request, Snapshot, HK_TYPES};

/// CPU sets of this kernel's `NR_CPUS`.
type KCpuSet = CpuSet<CPUMASK_WORDS>;

const _: () = assert!(
    HK_TYPES == HK_TYPE_MAX,
    "plan::HkType must mirror enum hk_type"
);

module! {
    type: CpusetIsolation,
    name: "cpuset_isolation",
    author: "dhei",
    description: "Runtime CPU isolation through isolated cpuset partitions",
    license: "GPL",
}

struct CpusetIsolation;

fn to_set(mask: &Cpumask) -> KCpuSet {
    CpuSet::from_words(&mask.words())
}

/// Reads the boot housekeeping masks into a planning snapshot.
fn boot_snapshot() -> Result<KBox<Snapshot<CPUMASK_WORDS>>> {
    let mut boot = [KCpuSet::new(); HK_TYPES];
    for hk in HkType::ALL {
        let mask = cpuset_hk::housekeeping_mask(hk as u32).ok_or(EINVAL)?;
        boot[hk.index()] = to_set(mask);
    }
    Ok(KBox::new(
        Snapshot {
            boot,
            nr_cpu_ids: cpuset_hk::nr_cpu_ids(),
            available: Features::DOMAIN,
        },
        GFP_KERNEL,
    )?)
}

/// Checks the planning core against the live kernel masks.
fn self_check(snap: &Snapshot<CPUMASK_WORDS>) -> Result {
    let online = to_set(cpuset_hk::online());
    let none = KCpuSet::new();

    let release = Request {
        partitions: &[],
        online,
        features: Features::DOMAIN,
        timekeeper: None,
    };
    let plan = plan::plan(snap, &none, &release).map_err(|_| EINVAL)?;
    if plan.target != snap.boot || !plan.steps.is_empty() {
        pr_err!("planning core: empty request does not give the boot masks\n");
        return Err(EINVAL);
    }

    let everything = [online];
    let all = Request {
        partitions: &everything,
        ..release
    };
    match plan::plan(snap, &none, &all) {
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
        let snap = boot_snapshot()?;
        self_check(&snap)?;
        pr_info!(
            "planning core ready: {} housekeeping types, nr_cpu_ids {}, domain housekeeping {}\n",
            HK_TYPES,
            snap.nr_cpu_ids,
            snap.boot[HkType::Domain.index()]
        );
        Ok(CpusetIsolation)
    }
}
