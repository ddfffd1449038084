//! Writes the billing bench data set to a directory (raw little-endian columns) with the Rust
//! bulk path's answers and times for every rule, for `benches/baselines/billing_duckdb.py`.
//!
//! `cargo run --release -p keyledger-benches --bin billing_baseline_data -- DIR [LICENCES] [RUNS]`
//!
//! Times are the best of `RUNS` runs (the machine is shared: the best run is the one least
//! disturbed by other work), one thread.
use keyledger::billing::{bulk, BillingRule, Month};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger_benches::billing_data::{generate, RULES};
use std::io::Write;
use std::time::Instant;

fn write<T: Copy, const N: usize>(
    dir: &std::path::Path,
    name: &str,
    v: &[T],
    to_le: impl Fn(T) -> [u8; N],
) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name)).expect("create"));
    for x in v {
        f.write_all(&to_le(*x)).expect("write");
    }
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`; 0 elsewhere).
fn cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|x| x.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns * 1e-9)
}

/// Best wall-clock time and best CPU time of `runs` runs, and the last result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut out = None;
    let (mut wall, mut on_cpu) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs.max(1) {
        let (t, c) = (Instant::now(), cpu());
        let r = f();
        wall = wall.min(t.elapsed().as_secs_f64());
        on_cpu = on_cpu.min(cpu() - c);
        out = Some(r);
    }
    (wall, on_cpu, out.expect("one run"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(
        args.get(1)
            .expect("usage: billing_baseline_data DIR [LICENCES] [RUNS]"),
    );
    let licences: u32 = args
        .get(2)
        .map_or(1_000_000, |s| s.parse().expect("licences"));
    let runs: usize = args.get(3).map_or(7, |s| s.parse().expect("runs"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let data = generate(licences, 42);
    let input = bulk::BulkInput {
        licence: &data.licence,
        at: &data.at,
        activated_at: &data.activated_at,
        deactivated_at: &data.deactivated_at,
        last_contact_before: &data.last_contact_before,
        group: &data.group,
        groups: 3,
        time_sorted: true,
    };
    let month = Month::new(2026, 11).expect("month");
    let policy = LifecyclePolicy::default();
    let utc = keyledger::billing::Zone::utc();
    let (t_fast, c_fast, fast) = best(runs, || {
        bulk::any_day_counts(&input, month, &utc, &policy).expect("bill")
    });
    let mut entries = vec![format!(
        "{{\"rule\": \"any_day_counts\", \"seconds\": {t_fast}, \"cpu_seconds\": {c_fast}, \"licences\": {fast:?}}}"
    )];
    println!(
        "rust {:<28} {:8.2} ms (cpu {:7.2} ms)  {:?}",
        "any_day_counts",
        t_fast * 1e3,
        c_fast * 1e3,
        fast
    );
    for (name, rule) in RULES {
        let (t, c, r) = best(runs, || {
            bulk::bill(&input, month, &utc, rule, &policy).expect("bill")
        });
        if rule == BillingRule::AnyDay {
            let full: Vec<u64> = r.groups.iter().map(|g| g.licences).collect();
            assert_eq!(full, fast, "fast path and general path disagree");
        }
        let lic: Vec<u64> = r.groups.iter().map(|g| g.licences).collect();
        let days: Vec<u64> = r.groups.iter().map(|g| g.billable_days).collect();
        let q: Vec<String> = r
            .groups
            .iter()
            .map(|g| format!("\"{}\"", g.quantity))
            .collect();
        println!(
            "rust {name:<28} {:8.2} ms (cpu {:7.2} ms)  {lic:?} days {days:?} quantity [{}]",
            t * 1e3,
            c * 1e3,
            q.join(", ")
        );
        entries.push(format!(
            "{{\"rule\": \"{name}\", \"seconds\": {t}, \"cpu_seconds\": {c}, \"licences\": {lic:?}, \"billable_days\": {days:?}, \"quantity\": [{}]}}",
            q.join(", ")
        ));
    }
    write(&dir, "licence.u32", &data.licence, |x: u32| x.to_le_bytes());
    write(&dir, "at.i64", &data.at, |x: i64| x.to_le_bytes());
    write(&dir, "activated_at.i64", &data.activated_at, |x: i64| {
        x.to_le_bytes()
    });
    write(
        &dir,
        "deactivated_at.i64",
        &data.deactivated_at,
        |x: i64| x.to_le_bytes(),
    );
    write(
        &dir,
        "last_contact_before.i64",
        &data.last_contact_before,
        |x: i64| x.to_le_bytes(),
    );
    write(&dir, "group.u16", &data.group, |x: u16| x.to_le_bytes());
    let json = format!(
        "{{\"licences\": {}, \"calls\": {}, \"runs\": {}, \"rules\": [{}]}}\n",
        licences,
        data.at.len(),
        runs,
        entries.join(", ")
    );
    std::fs::write(dir.join("rust.json"), json).expect("write json");
}
