//! Deterministic synthetic call-home data for the billing bench and its DuckDB baseline.
//!
//! November 2026 (UTC), `licences` licences, about 30 call-homes each, time-sorted like a
//! warehouse export. The mix: 90 % healthy (called home the day before the month, daily after),
//! 3 % activated during the month, 3 % deactivated during it, 2 % going silent mid-month, 2 %
//! silent all month with an old last contact (some of them lapse).

/// First instant of November 2026, UTC.
pub const START: i64 = 1_793_491_200;
/// First instant of December 2026, UTC.
pub const END: i64 = 1_796_083_200;
const DAY: i64 = 86_400;

/// splitmix64: a small, well-known seeded generator (bench-only; the core never draws numbers).
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The columns.
pub struct Data {
    /// Call-home licence index.
    pub licence: Vec<u32>,
    /// Call-home unix seconds.
    pub at: Vec<i64>,
    /// Per licence activation.
    pub activated_at: Vec<i64>,
    /// Per licence deactivation (`i64::MAX`: none).
    pub deactivated_at: Vec<i64>,
    /// Per licence last contact before the month (`i64::MIN`: none).
    pub last_contact_before: Vec<i64>,
    /// Per licence edition bucket (0..3).
    pub group: Vec<u16>,
}

/// Generates the data set for `licences` licences from `seed`.
pub fn generate(licences: u32, seed: u64) -> Data {
    let mut r = SplitMix::new(seed);
    let n = licences as usize;
    let mut activated_at = Vec::with_capacity(n);
    let mut deactivated_at = Vec::with_capacity(n);
    let mut last_contact_before = Vec::with_capacity(n);
    let mut group = Vec::with_capacity(n);
    // (first day, last day) of daily calls, per licence; first > last: none.
    let mut call_days: Vec<(i64, i64)> = Vec::with_capacity(n);
    for _ in 0..n {
        group.push(r.below(3) as u16);
        let kind = r.below(100);
        let (act, deact, before, days) = match kind {
            0..=89 => {
                let act = START - (30 + r.below(700) as i64) * DAY;
                (
                    act,
                    i64::MAX,
                    START - 1 - r.below(DAY as u64) as i64,
                    (0, 29),
                )
            }
            90..=92 => {
                let d = r.below(30) as i64;
                let act = START + d * DAY + r.below(DAY as u64) as i64;
                (act, i64::MAX, i64::MIN, (d + 1, 29))
            }
            93..=95 => {
                let d = r.below(30) as i64;
                let act = START - 100 * DAY;
                let deact = START + d * DAY + r.below(DAY as u64) as i64;
                (
                    act,
                    deact,
                    START - 1 - r.below(DAY as u64) as i64,
                    (0, d - 1),
                )
            }
            96..=97 => {
                let d = r.below(30) as i64;
                let act = START - 200 * DAY;
                (
                    act,
                    i64::MAX,
                    START - 1 - r.below(DAY as u64) as i64,
                    (0, d),
                )
            }
            _ => {
                let act = START - 400 * DAY;
                let before = START - (1 + r.below(40) as i64) * DAY;
                (act, i64::MAX, before, (1, 0))
            }
        };
        activated_at.push(act);
        deactivated_at.push(deact);
        last_contact_before.push(before);
        call_days.push(days);
    }
    // Rows day by day, each day sorted by time: a time-sorted export.
    let mut licence = Vec::new();
    let mut at = Vec::new();
    let mut today: Vec<(i64, u32)> = Vec::with_capacity(n);
    for d in 0..30i64 {
        today.clear();
        for (l, &(a, z)) in call_days.iter().enumerate() {
            if a <= d && d <= z {
                today.push((START + d * DAY + r.below(DAY as u64) as i64, l as u32));
            }
        }
        today.sort_unstable();
        licence.extend(today.iter().map(|x| x.1));
        at.extend(today.iter().map(|x| x.0));
    }
    Data {
        licence,
        at,
        activated_at,
        deactivated_at,
        last_contact_before,
        group,
    }
}

/// The rules the bench and its baselines measure, with their names in `rust.json`.
pub const RULES: [(&str, keyledger::billing::BillingRule); 10] = {
    use keyledger::billing::BillingRule as R;
    [
        ("any_day", R::AnyDay),
        ("more_than_14", R::STORAGECRAFT),
        ("prorated", R::Prorated),
        ("end_of_month", R::EndOfMonth),
        ("peak", R::Peak),
        ("rolling_31", R::ROLLING_31),
        (
            "rolling_31_first_month_free",
            R::RollingWindow {
                days: 31,
                first_month_free: true,
            },
        ),
        ("snapshot_15th_12h", R::Snapshot { day: 15, hour: 12 }),
        (
            "high_water_mark_3",
            R::HighWaterMark {
                months: 3,
                first_month: 1,
            },
        ),
        ("more_than_0", R::MoreThanDays(0)),
    ]
};
