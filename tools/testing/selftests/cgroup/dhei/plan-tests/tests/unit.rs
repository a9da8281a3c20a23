// SPDX-License-Identifier: GPL-2.0

//! Unit tests for the planning core.

use dhei_plan_tests::plan::*;
use dhei_plan_tests::plan_new as plan;

type S = CpuSet<[usize; 1]>;
type S2 = CpuSet<[usize; 2]>;

fn snap(nr: u32, boot: S, available: Features) -> Snapshot<[usize; 1]> {
    Snapshot {
        boot: [boot; HK_TYPES],
        nr_cpu_ids: nr,
        available,
    }
}

fn req<'a>(
    parts: &'a [S],
    online: S,
    features: Features,
    tk: Option<u32>,
) -> Request<'a, [usize; 1]> {
    Request {
        partitions: parts,
        online,
        features,
        timekeeper: tk,
    }
}

fn kinds(steps: &Steps, dir: Direction) -> Vec<StepKind> {
    steps
        .iter()
        .filter(|s| s.dir == dir)
        .map(|s| s.kind)
        .collect()
}

use StepKind::*;

#[test]
fn hk_type_discriminants_and_names() {
    let names = [
        "timer",
        "rcu",
        "misc",
        "sched",
        "tick",
        "domain",
        "wq",
        "managed_irq",
        "kthread",
    ];
    for (i, t) in HkType::ALL.iter().enumerate() {
        assert_eq!(t.index(), i);
        assert_eq!(*t as u32 as usize, i);
        assert_eq!(HkType::from_index(i), Some(*t));
        assert_eq!(t.name(), names[i]);
    }
    assert_eq!(HkType::from_index(HK_TYPES), None);
    assert_eq!(HkType::Domain as u32, 5);
    assert_eq!(HkType::Kthread as u32, 8);
}

#[test]
fn cpulist_display() {
    assert_eq!(S::new().to_string(), "");
    assert_eq!(S::from_cpus(&[0]).to_string(), "0");
    assert_eq!(S::from_cpus(&[0, 1, 4, 6, 7]).to_string(), "0-1,4,6-7");
    assert_eq!(S::from_cpus(&[3, 5, 9]).to_string(), "3,5,9");
    assert_eq!(S::range(0, 63).to_string(), "0-63");
    assert_eq!(
        S2::from_cpus(&[62, 63, 64, 65, 127]).to_string(),
        "62-65,127"
    );
    assert_eq!(format!("{:?}", S::from_cpus(&[1, 2])), "[1-2]");
}

#[test]
fn set_basics() {
    let mut s = S2::new();
    assert!(s.is_empty());
    assert_eq!(S2::CAPACITY, 128);
    assert_eq!(s.first(), None);
    assert_eq!(s.last(), None);
    s.set(3);
    s.set(70);
    s.set(128); // ignored
    s.set(u32::MAX); // ignored
    assert!(s.contains(3) && s.contains(70) && !s.contains(128) && !s.contains(4));
    assert_eq!(s.weight(), 2);
    assert_eq!(s.first(), Some(3));
    assert_eq!(s.last(), Some(70));
    assert_eq!(s.iter().collect::<Vec<_>>(), vec![3, 70]);
    assert_eq!(s.words(), &[1 << 3, 1 << 6]);
    s.clear(3);
    s.clear(500);
    assert_eq!(s.iter().collect::<Vec<_>>(), vec![70]);
    assert_eq!(S2::from_words(&[5]).words(), &[5, 0]);
    assert_eq!(S2::from_words(&[1, 2, 3]).words(), &[1, 2]);
    assert_eq!(S::from_cpus(&[1, 64, 200]), S::from_cpus(&[1]));
    assert_eq!(S::range(5, 3), S::new());
    assert_eq!(S::range(60, 100).to_string(), "60-63");
    assert_eq!(S::range(7, 7).to_string(), "7");
    assert_eq!(S::range(0, u32::MAX).weight(), 64);
    assert_eq!(S::default(), S::new());
    assert_eq!(S::from_cpus(&[63]).last(), Some(63));
}

#[test]
fn set_ops() {
    let a = S::from_cpus(&[0, 1, 2, 3]);
    let b = S::from_cpus(&[2, 3, 4]);
    assert_eq!(a.and(&b).to_string(), "2-3");
    assert_eq!(a.or(&b).to_string(), "0-4");
    assert_eq!(a.andnot(&b).to_string(), "0-1");
    assert!(a.intersects(&b));
    assert!(!a.intersects(&S::from_cpus(&[5])));
    assert!(S::from_cpus(&[1, 2]).is_subset(&a));
    assert!(!b.is_subset(&a));
    assert!(S::new().is_subset(&S::new()));
}

#[test]
fn features() {
    assert_eq!(Features::ALL.bits(), 0xf);
    assert_eq!(Features::from_bits(0xff), Features::ALL);
    assert_eq!(Features::from_bits(0), Features::NONE);
    let f = Features::RCU.union(Features::TICK);
    assert!(f.contains(Features::RCU) && !f.contains(Features::DOMAIN));
    assert!(f.contains(Features::NONE));
    assert_eq!(f.to_string(), "rcu,tick");
    for t in [
        HkType::Domain,
        HkType::Sched,
        HkType::Kthread,
        HkType::Wq,
        HkType::Timer,
        HkType::Misc,
    ] {
        assert!(Features::DOMAIN.covers(t));
        assert!(!Features::RCU
            .union(Features::TICK)
            .union(Features::MANAGED_IRQ)
            .covers(t));
    }
    assert!(Features::RCU.covers(HkType::Rcu) && !Features::DOMAIN.covers(HkType::Rcu));
    assert!(Features::TICK.covers(HkType::Tick));
    assert!(Features::MANAGED_IRQ.covers(HkType::ManagedIrq));
    assert!(HkType::ALL.iter().all(|t| Features::ALL.covers(*t)));
    assert!(HkType::ALL.iter().all(|t| !Features::NONE.covers(*t)));
}

#[test]
fn step_kinds() {
    let names: Vec<_> = StepKind::ISOLATE_ORDER.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        [
            "publish_masks",
            "sched_domains",
            "unbound_workqueues",
            "kthreads",
            "timers",
            "rcu_nocb",
            "tick",
            "watchdog",
            "managed_irq"
        ]
    );
    assert_eq!(Watchdog.feature(), Features::DOMAIN);
    assert_eq!(RcuNocb.feature(), Features::RCU);
    assert_eq!(Tick.feature(), Features::TICK);
    assert_eq!(ManagedIrq.feature(), Features::MANAGED_IRQ);
    let s = Step {
        kind: Tick,
        dir: Direction::Isolate,
    };
    assert_eq!(s.undo().dir, Direction::Release);
    assert_eq!(s.undo().undo(), s);
}

fn check_refusal(r: Result<Plan<[usize; 1]>, Refusal>, want: Refusal, msg: &str, errno: i32) {
    let got = r.unwrap_err();
    assert_eq!(got, want);
    assert_eq!(got.to_string(), msg);
    assert_eq!(got.errno(), errno);
}

#[test]
fn refusal_out_of_range() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let parts = [S::from_cpus(&[2, 9, 12])];
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, None),
        ),
        Refusal::CpuOutOfRange {
            cpu: 9,
            nr_cpu_ids: 8,
        },
        "CPU 9 beyond nr_cpu_ids 8",
        22,
    );
}

#[test]
fn refusal_overlap() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let parts = [
        S::from_cpus(&[1, 5]),
        S::from_cpus(&[2]),
        S::from_cpus(&[3, 5, 2]),
    ];
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, None),
        ),
        Refusal::PartitionsOverlap { cpu: 2 },
        "partitions overlap on CPU 2",
        22,
    );
    // Range is checked first.
    let parts = [S::from_cpus(&[3]), S::from_cpus(&[3, 9])];
    assert!(matches!(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, None)
        ),
        Err(Refusal::CpuOutOfRange { cpu: 9, .. })
    ));
}

#[test]
fn refusal_feature_unavailable() {
    let sn = snap(8, S::range(0, 7), Features::DOMAIN.union(Features::TICK));
    let parts = [S::from_cpus(&[3])];
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, None),
        ),
        Refusal::FeatureUnavailable {
            features: Features::RCU.union(Features::MANAGED_IRQ),
        },
        "rcu,managed_irq isolation not available in this boot",
        95,
    );
    let sn = snap(8, S::range(0, 7), Features::DOMAIN);
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::RCU, None),
        ),
        Refusal::FeatureUnavailable {
            features: Features::RCU,
        },
        "rcu isolation not available in this boot",
        95,
    );
}

#[test]
fn refusal_no_housekeeping() {
    let mut sn = snap(8, S::range(0, 7), Features::ALL);
    sn.boot[HkType::Tick.index()] = S::from_cpus(&[0, 1]);
    let parts = [S::from_cpus(&[1, 2])];
    // CPU 0 offline: tick would have no online housekeeping CPU.
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(1, 7), Features::ALL, None),
        ),
        Refusal::NoHousekeepingCpu { hk: HkType::Tick },
        "no online housekeeping CPU left for tick",
        16,
    );
    // Without TICK the tick mask is not ours: accepted, tick target == boot.
    let p = plan(
        &sn,
        &S::new(),
        &req(&parts, S::range(1, 7), Features::DOMAIN, None),
    )
    .unwrap();
    assert_eq!(
        p.target[HkType::Tick.index()],
        sn.boot[HkType::Tick.index()]
    );
    // All CPUs isolated: the first type in ALL order is reported.
    let parts = [S::range(0, 7)];
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, None),
        ),
        Refusal::NoHousekeepingCpu { hk: HkType::Timer },
        "no online housekeeping CPU left for timer",
        16,
    );
}

#[test]
fn refusal_timekeeper() {
    let mut sn = snap(8, S::range(0, 7), Features::ALL);
    sn.boot[HkType::Tick.index()] = S::from_cpus(&[0, 1]);
    let parts = [S::from_cpus(&[0])];
    check_refusal(
        plan(
            &sn,
            &S::new(),
            &req(
                &parts,
                S::range(0, 7).andnot(&S::from_cpus(&[1])),
                Features::ALL,
                Some(0),
            ),
        ),
        Refusal::TimekeeperWithoutSuccessor { cpu: 0 },
        "timekeeping CPU 0 has no housekeeping successor",
        16,
    );
    // Timekeeper check comes before the generic housekeeping check.
    let parts = [S::range(0, 7)];
    assert_eq!(
        plan(
            &sn,
            &S::new(),
            &req(&parts, S::range(0, 7), Features::ALL, Some(3))
        )
        .unwrap_err(),
        Refusal::TimekeeperWithoutSuccessor { cpu: 3 }
    );
}

#[test]
fn handoff() {
    let mut sn = snap(8, S::range(0, 7), Features::ALL);
    sn.boot[HkType::Tick.index()] = S::from_cpus(&[0, 1, 5, 6]);
    let parts = [S::from_cpus(&[0, 1])];
    let online = S::range(0, 7).andnot(&S::from_cpus(&[5]));
    let p = plan(&sn, &S::new(), &req(&parts, online, Features::ALL, Some(0))).unwrap();
    assert_eq!(p.timekeeping_handoff, Some((0, 6)));
    // Timekeeper not isolated: no handoff.
    let p = plan(&sn, &S::new(), &req(&parts, online, Features::ALL, Some(6))).unwrap();
    assert_eq!(p.timekeeping_handoff, None);
    // Without TICK the duty stays.
    let p = plan(
        &sn,
        &S::new(),
        &req(&parts, online, Features::DOMAIN, Some(0)),
    )
    .unwrap();
    assert_eq!(p.timekeeping_handoff, None);
    // No timekeeper.
    let p = plan(&sn, &S::new(), &req(&parts, online, Features::ALL, None)).unwrap();
    assert_eq!(p.timekeeping_handoff, None);
}

#[test]
fn isolate_order_all_features() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let parts = [S::from_cpus(&[2, 3]), S::from_cpus(&[6])];
    let p = plan(
        &sn,
        &S::new(),
        &req(&parts, S::range(0, 7), Features::ALL, None),
    )
    .unwrap();
    assert_eq!(p.isolated.to_string(), "2-3,6");
    assert_eq!(p.entering.to_string(), "2-3,6");
    assert!(p.leaving.is_empty());
    assert!(p.steps.iter().all(|s| s.dir == Direction::Isolate));
    assert_eq!(kinds(&p.steps, Direction::Isolate), StepKind::ISOLATE_ORDER);
    for t in HkType::ALL {
        assert_eq!(p.target[t.index()].to_string(), "0-1,4-5,7");
    }
}

#[test]
fn release_order_all_features() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let cur = S::from_cpus(&[2, 3]);
    let p = plan(&sn, &cur, &req(&[], S::range(0, 7), Features::ALL, None)).unwrap();
    assert_eq!(p.leaving, cur);
    assert!(p.entering.is_empty());
    assert_eq!(p.target, sn.boot);
    assert!(p.steps.iter().all(|s| s.dir == Direction::Release));
    assert_eq!(
        kinds(&p.steps, Direction::Release),
        [
            ManagedIrq,
            Watchdog,
            Tick,
            RcuNocb,
            Timers,
            UnboundWorkqueues,
            SchedDomains,
            PublishMasks,
            Kthreads
        ]
    );
}

#[test]
fn mixed_release_then_isolate() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let cur = S::from_cpus(&[2, 3]);
    let parts = [S::from_cpus(&[3, 4])];
    let p = plan(&sn, &cur, &req(&parts, S::range(0, 7), Features::ALL, None)).unwrap();
    assert_eq!(p.leaving.to_string(), "2");
    assert_eq!(p.entering.to_string(), "4");
    assert_eq!(p.steps.len(), 18);
    let dirs: Vec<_> = p.steps.iter().map(|s| s.dir).collect();
    assert!(dirs[..9].iter().all(|d| *d == Direction::Release));
    assert!(dirs[9..].iter().all(|d| *d == Direction::Isolate));
    assert_eq!(p.steps.as_slice()[8].kind, Kthreads);
    assert_eq!(p.steps.as_slice()[9].kind, PublishMasks);
}

#[test]
fn no_change_no_steps() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let cur = S::from_cpus(&[2, 3]);
    let parts = [S::from_cpus(&[3]), S::from_cpus(&[2])];
    let p = plan(&sn, &cur, &req(&parts, S::range(0, 7), Features::ALL, None)).unwrap();
    assert!(p.steps.is_empty());
    assert_eq!(p.steps.len(), 0);
    assert_eq!(p.steps, Steps::default());
    let p = plan(
        &sn,
        &S::new(),
        &req(&[], S::range(0, 7), Features::ALL, None),
    )
    .unwrap();
    assert!(p.steps.is_empty());
    assert_eq!(p.target, sn.boot);
}

#[test]
fn features_filter_steps_and_targets() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let parts = [S::from_cpus(&[5])];
    let online = S::range(0, 7);
    let p = plan(
        &sn,
        &S::new(),
        &req(&parts, online, Features::RCU.union(Features::TICK), None),
    )
    .unwrap();
    assert_eq!(
        kinds(&p.steps, Direction::Isolate),
        [PublishMasks, RcuNocb, Tick]
    );
    for t in HkType::ALL {
        let want = if matches!(t, HkType::Rcu | HkType::Tick) {
            S::range(0, 7).andnot(&parts[0])
        } else {
            S::range(0, 7)
        };
        assert_eq!(p.target[t.index()], want, "{t}");
    }
    let p = plan(
        &sn,
        &S::new(),
        &req(&parts, online, Features::MANAGED_IRQ, None),
    )
    .unwrap();
    assert_eq!(
        kinds(&p.steps, Direction::Isolate),
        [PublishMasks, ManagedIrq]
    );
    let p = plan(&sn, &parts[0], &req(&[], online, Features::NONE, None)).unwrap();
    assert_eq!(kinds(&p.steps, Direction::Release), [PublishMasks]);
    let p = plan(&sn, &S::new(), &req(&parts, online, Features::DOMAIN, None)).unwrap();
    assert_eq!(
        kinds(&p.steps, Direction::Isolate),
        [
            PublishMasks,
            SchedDomains,
            UnboundWorkqueues,
            Kthreads,
            Timers,
            Watchdog
        ]
    );
    let p = plan(&sn, &parts[0], &req(&[], online, Features::DOMAIN, None)).unwrap();
    assert_eq!(
        kinds(&p.steps, Direction::Release),
        [
            Watchdog,
            Timers,
            UnboundWorkqueues,
            SchedDomains,
            PublishMasks,
            Kthreads
        ]
    );
}

#[test]
fn rollback() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let cur = S::from_cpus(&[2]);
    let parts = [S::from_cpus(&[4])];
    let p = plan(&sn, &cur, &req(&parts, S::range(0, 7), Features::ALL, None)).unwrap();
    assert!(p.steps.rollback(0).is_empty());
    let r = p.steps.rollback(3);
    let s = p.steps.as_slice();
    assert_eq!(r.as_slice(), [s[2].undo(), s[1].undo(), s[0].undo()]);
    assert_eq!(p.steps.rollback(100).len(), p.steps.len());
    assert_eq!(p.steps.rollback(100), p.steps.rollback(p.steps.len()));
    let full = p.steps.rollback(p.steps.len());
    assert_eq!(full.as_slice()[0], s[s.len() - 1].undo());
    assert_eq!(format!("{:?}", Steps::default()), "[]");
}

#[test]
fn rollback_isolate_never_undoes_a_release() {
    let sn = snap(8, S::range(0, 7), Features::ALL);
    let cur = S::from_cpus(&[2]);
    let parts = [S::from_cpus(&[4])];
    // Releases CPU 2 (8 steps), then isolates CPU 4 (8 steps).
    let p = plan(&sn, &cur, &req(&parts, S::range(0, 7), Features::ALL, None)).unwrap();
    let s = p.steps.as_slice();
    let first_isolate = s.iter().position(|x| x.dir == Direction::Isolate).unwrap();
    assert!(first_isolate > 0);
    // A failing release step undoes nothing, whatever completed before it.
    for i in 0..=first_isolate {
        assert!(p.steps.rollback_isolate(i).is_empty(), "failing step {i}");
    }
    // A failing isolate step undoes the isolate steps before it, in reverse, and no release.
    let r = p.steps.rollback_isolate(first_isolate + 2);
    assert_eq!(
        r.as_slice(),
        [s[first_isolate + 1].undo(), s[first_isolate].undo()]
    );
    let all = p.steps.rollback_isolate(100);
    assert_eq!(all.len(), s.len() - first_isolate);
    assert!(all.iter().all(|x| x.dir == Direction::Release));
    // A plan that only isolates: the same as rollback().
    let q = plan(
        &sn,
        &S::new(),
        &req(&parts, S::range(0, 7), Features::ALL, None),
    )
    .unwrap();
    for i in 0..=q.steps.len() {
        assert_eq!(q.steps.rollback_isolate(i), q.steps.rollback(i));
    }
}

#[test]
fn wide_sets() {
    let boot = CpuSet::<[usize; 2]>::range(0, 99);
    let sn = Snapshot {
        boot: [boot; HK_TYPES],
        nr_cpu_ids: 100,
        available: Features::ALL,
    };
    let parts = [
        CpuSet::<[usize; 2]>::range(60, 70),
        CpuSet::<[usize; 2]>::from_cpus(&[99]),
    ];
    let r = Request {
        partitions: &parts,
        online: boot,
        features: Features::ALL,
        timekeeper: Some(64),
    };
    let p = plan(&sn, &CpuSet::new(), &r).unwrap();
    assert_eq!(p.target[0].to_string(), "0-59,71-98");
    assert_eq!(p.timekeeping_handoff, Some((64, 0)));
    let parts = [CpuSet::<[usize; 2]>::from_cpus(&[100])];
    let r = Request {
        partitions: &parts,
        ..r
    };
    assert_eq!(
        plan(&sn, &CpuSet::new(), &r).unwrap_err().to_string(),
        "CPU 100 beyond nr_cpu_ids 100"
    );
}

/// The same requests at 8, 64 and 8192 possible CPUs, with sets sized as the kernel sizes
/// them (`BITS_TO_LONGS(nr_cpu_ids)` words on the heap).
#[test]
fn possible_cpus_8_64_8192() {
    type V = CpuSet<Vec<usize>>;
    for nr in [8u32, 64, 8192] {
        let words = (nr as usize).div_ceil(usize::BITS as usize);
        let of = |cpus: &[u32]| {
            let mut s: V = CpuSet::from_storage(vec![0; words]);
            cpus.iter().for_each(|&c| s.set(c));
            s
        };
        let all: Vec<u32> = (0..nr).collect();
        let sn = Snapshot {
            boot: core::array::from_fn(|_| of(&all)),
            nr_cpu_ids: nr,
            available: Features::ALL,
        };
        let top = [nr - 2, nr - 1];
        let parts = [of(&top)];
        let r = Request {
            partitions: &parts,
            online: of(&all),
            features: Features::ALL,
            timekeeper: Some(nr - 1),
        };
        let mut p = Plan::from_fn(|| vec![0usize; words]);
        dhei_plan_tests::plan::plan(&sn, &of(&[]), &r, &mut p).unwrap();
        assert_eq!(p.isolated.words().len(), words, "nr {nr}");
        assert_eq!(p.isolated.to_string(), format!("{}-{}", nr - 2, nr - 1));
        assert_eq!(
            p.target[HkType::Tick.index()].to_string(),
            format!("0-{}", nr - 3)
        );
        assert_eq!(p.target[HkType::Tick.index()].weight(), nr - 2);
        assert_eq!(p.timekeeping_handoff, Some((nr - 1, 0)));
        assert_eq!(
            kinds(&p.steps, Direction::Isolate),
            StepKind::ISOLATE_ORDER.to_vec()
        );
        assert_eq!(p.entering, p.isolated);
        // Release from there: the boot masks come back.
        let cur = p.isolated.clone();
        let r0 = Request {
            partitions: &[],
            ..r.clone()
        };
        dhei_plan_tests::plan::plan(&sn, &cur, &r0, &mut p).unwrap();
        assert!(p.target == sn.boot && p.leaving == cur && p.isolated.is_empty());
        // Every CPU: refused; a CPU at nr_cpu_ids: out of range; overlap.
        let every = [of(&all)];
        let err = |parts: &[V], p: &mut Plan<Vec<usize>>| {
            let r = Request {
                partitions: parts,
                ..r.clone()
            };
            dhei_plan_tests::plan::plan(&sn, &of(&[]), &r, p).unwrap_err()
        };
        assert_eq!(
            err(&every, &mut p),
            Refusal::TimekeeperWithoutSuccessor { cpu: nr - 1 }
        );
        let mut beyond: V = CpuSet::from_storage(vec![0; words + 1]);
        beyond.set(nr);
        beyond.set(1);
        assert_eq!(
            err(&[beyond], &mut p),
            Refusal::CpuOutOfRange {
                cpu: nr,
                nr_cpu_ids: nr
            }
        );
        assert_eq!(
            err(&[of(&[0, nr - 1]), of(&[nr - 1])], &mut p),
            Refusal::PartitionsOverlap { cpu: nr - 1 }
        );
    }
}
