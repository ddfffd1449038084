//! Writes the billing bench data set to a directory (raw little-endian columns) with the Rust
//! bulk path's AnyDay counts and timing, for `benches/baselines/billing_duckdb.py`.
//!
//! `cargo run --release -p keyledger-benches --bin billing_baseline_data -- DIR [LICENCES] [RUNS]`
use keyledger::billing::{bulk, BillingRule, Month};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger_benches::billing_data::generate;
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(
        args.get(1)
            .expect("usage: billing_baseline_data DIR [LICENCES] [RUNS]"),
    );
    let licences: u32 = args
        .get(2)
        .map_or(1_000_000, |s| s.parse().expect("licences"));
    let runs: usize = args.get(3).map_or(15, |s| s.parse().expect("runs"));
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
    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = bulk::any_day_counts(&input, month, "UTC", &policy).expect("bill");
        times.push(t.elapsed().as_secs_f64());
        result = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let r = result.expect("one run");
    let full = bulk::bill(&input, month, "UTC", BillingRule::AnyDay, &policy).expect("bill");
    let full: Vec<u64> = full.groups.iter().map(|g| g.licences).collect();
    assert_eq!(full, r, "fast path and general path disagree");
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
    let counts: Vec<String> = r.iter().map(|g| g.to_string()).collect();
    let json = format!(
        "{{\"licences\": {}, \"calls\": {}, \"rust_median_seconds\": {}, \"rust_runs\": {}, \"any_day_counts\": [{}]}}\n",
        licences,
        data.at.len(),
        median,
        runs,
        counts.join(", ")
    );
    std::fs::write(dir.join("rust.json"), json).expect("write json");
    println!(
        "rust bulk AnyDay: {} licences, {} call-homes, median {:.2} ms over {} runs, counts [{}]",
        licences,
        data.at.len(),
        median * 1e3,
        runs,
        counts.join(", ")
    );
}
