//! Arrow arrays as bulk billing columns (feature `arrow`): read in place, no copy.

use super::bulk::BulkInput;
use super::BillingError;
use arrow_array::types::{Int64Type, TimestampSecondType, UInt16Type, UInt32Type};
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::{DataType, TimeUnit};

/// The bulk columns as Arrow arrays (arrow-rs), e.g. the columns of a `RecordBatch` read from
/// Parquet or received over Arrow Flight. [`ArrowInput::input`] borrows their value buffers as the
/// slices of a [`BulkInput`]: nothing is copied, whatever the number of rows.
///
/// Types: `licence` `UInt32`; `at`, `activated_at`, `deactivated_at`, `last_contact_before`
/// `Int64` unix seconds or `Timestamp(Second, _)` (any time zone: the values are UTC seconds);
/// `group` `UInt16`. Nulls are refused (a missing deactivation is `i64::MAX`, a missing last
/// contact `i64::MIN`, as in [`BulkInput`]): [`BillingError::NullValue`]. Sliced arrays are read
/// from their offset.
///
/// ```
/// use arrow_array::{Int64Array, TimestampSecondArray, UInt16Array, UInt32Array};
/// use keyledger::billing::{bulk, BillingRule, Month, Zone};
/// use keyledger::lifecycle::LifecyclePolicy;
/// let nov1 = 1_793_491_200; // 2026-11-01T00:00:00Z
/// let licence = UInt32Array::from(vec![1]);
/// let at = TimestampSecondArray::from(vec![nov1 + 19 * 86_400]).with_timezone("UTC");
/// let activated_at = Int64Array::from(vec![nov1, nov1]);
/// let deactivated_at = Int64Array::from(vec![i64::MAX, i64::MAX]);
/// let last_contact_before = Int64Array::from(vec![i64::MIN, i64::MIN]);
/// let group = UInt16Array::from(vec![0, 0]);
/// let arrow = bulk::ArrowInput {
///     licence: &licence,
///     at: &at,
///     activated_at: &activated_at,
///     deactivated_at: &deactivated_at,
///     last_contact_before: &last_contact_before,
///     group: &group,
///     groups: 1,
///     time_sorted: true,
/// };
/// let input = arrow.input()?;
/// assert!(std::ptr::eq(input.at.as_ptr(), at.values().as_ptr())); // the same memory
/// let r = bulk::bill(&input, Month::new(2026, 11)?, &Zone::utc(), BillingRule::STORAGECRAFT, &LifecyclePolicy::default())?;
/// assert_eq!(r.days, [15, 26]);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
#[derive(Clone, Copy)]
pub struct ArrowInput<'a> {
    /// Licence index of each call-home (`UInt32`).
    pub licence: &'a dyn Array,
    /// Unix seconds of each call-home (`Int64` or `Timestamp(Second, _)`).
    pub at: &'a dyn Array,
    /// Per licence: activation instant (`i64::MAX`: never).
    pub activated_at: &'a dyn Array,
    /// Per licence: instant billing stopped (`i64::MAX`: still running).
    pub deactivated_at: &'a dyn Array,
    /// Per licence: latest call-home before the month (`i64::MIN`: none).
    pub last_contact_before: &'a dyn Array,
    /// Per licence: its bucket (`UInt16`), `< groups`.
    pub group: &'a dyn Array,
    /// Number of buckets.
    pub groups: usize,
    /// See [`BulkInput::time_sorted`].
    pub time_sorted: bool,
}

impl std::fmt::Debug for ArrowInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrowInput")
            .field("rows", &self.licence.len())
            .field("licences", &self.activated_at.len())
            .field("groups", &self.groups)
            .field("time_sorted", &self.time_sorted)
            .finish()
    }
}

impl<'a> ArrowInput<'a> {
    /// The columns as the slices of a [`BulkInput`], borrowed from the arrays' buffers.
    ///
    /// # Errors
    /// [`BillingError::ColumnType`] for a column of another Arrow type,
    /// [`BillingError::NullValue`] for a null. Lengths are checked by [`bulk::bill`](super::bulk::bill).
    ///
    /// ```
    /// use arrow_array::{Int32Array, Int64Array, UInt16Array};
    /// use keyledger::billing::bulk;
    /// let (l, t, g) = (Int32Array::from(vec![0]), Int64Array::from(vec![0]), UInt16Array::from(vec![0]));
    /// let e = bulk::ArrowInput { licence: &l, at: &t, activated_at: &t, deactivated_at: &t,
    ///     last_contact_before: &t, group: &g, groups: 1, time_sorted: false }.input().unwrap_err();
    /// assert_eq!(e.code(), "billing.column_type");
    /// let at = Int64Array::from(vec![Some(1), None]);
    /// let l = arrow_array::UInt32Array::from(vec![0, 0]);
    /// let e = bulk::ArrowInput { licence: &l, at: &at, activated_at: &t, deactivated_at: &t,
    ///     last_contact_before: &t, group: &g, groups: 1, time_sorted: false }.input().unwrap_err();
    /// assert_eq!(e.code(), "billing.null_value");
    /// ```
    pub fn input(&self) -> Result<BulkInput<'a>, BillingError> {
        Ok(BulkInput {
            licence: values::<UInt32Type>("licence", self.licence, "UInt32")?,
            at: seconds("at", self.at)?,
            activated_at: seconds("activated_at", self.activated_at)?,
            deactivated_at: seconds("deactivated_at", self.deactivated_at)?,
            last_contact_before: seconds("last_contact_before", self.last_contact_before)?,
            group: values::<UInt16Type>("group", self.group, "UInt16")?,
            groups: self.groups,
            time_sorted: self.time_sorted,
        })
    }
}

fn wrong(column: &'static str, a: &dyn Array, expected: &'static str) -> BillingError {
    BillingError::ColumnType {
        column,
        expected,
        found: a.data_type().to_string(),
    }
}

fn no_nulls(column: &'static str, a: &dyn Array) -> Result<(), BillingError> {
    if a.null_count() == 0 {
        return Ok(());
    }
    let row = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
    Err(BillingError::NullValue { column, row })
}

fn values<'a, T: ArrowPrimitiveType>(
    column: &'static str,
    a: &'a dyn Array,
    expected: &'static str,
) -> Result<&'a [T::Native], BillingError> {
    let p = a
        .as_any()
        .downcast_ref::<PrimitiveArray<T>>()
        .ok_or_else(|| wrong(column, a, expected))?;
    no_nulls(column, a)?;
    Ok(p.values())
}

const SECONDS: &str = "Int64 or Timestamp(Second)";

fn seconds<'a>(column: &'static str, a: &'a dyn Array) -> Result<&'a [i64], BillingError> {
    match a.data_type() {
        DataType::Int64 => values::<Int64Type>(column, a, SECONDS),
        DataType::Timestamp(TimeUnit::Second, _) => {
            values::<TimestampSecondType>(column, a, SECONDS)
        }
        _ => Err(wrong(column, a, SECONDS)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{bulk, BillingRule, Month, Zone};
    use crate::lifecycle::LifecyclePolicy;
    use arrow_array::{
        Int64Array, TimestampMillisecondArray, TimestampSecondArray, UInt16Array, UInt32Array,
    };
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Arrow columns (sliced, timestamps or integers) bill exactly as the same values in
        /// slices, and are read in place.
        #[test]
        fn arrow_columns_bill_as_slices(
            rows in proptest::collection::vec((0u32..6, 0i64..40 * 86_400), 0..60),
            lics in proptest::collection::vec((0i64..50, 0u16..2, any::<bool>()), 6),
            offset in 0usize..3,
        ) {
            let nov1 = 1_793_491_200i64;
            let mut rows = rows;
            rows.sort_by_key(|r| r.1);
            let licence: Vec<u32> = rows.iter().map(|r| r.0).collect();
            let at: Vec<i64> = rows.iter().map(|r| nov1 - 5 * 86_400 + r.1).collect();
            let act: Vec<i64> = lics.iter().map(|l| nov1 - l.0 * 86_400).collect();
            let deact: Vec<i64> = lics.iter().map(|l| if l.2 { nov1 + l.0 * 40_000 } else { i64::MAX }).collect();
            let before = vec![i64::MIN; lics.len()];
            let group: Vec<u16> = lics.iter().map(|l| l.1).collect();
            // Arrays with `offset` leading values sliced off, so the buffers' offsets are used.
            let pad = |v: &[i64]| [vec![7; offset], v.to_vec()].concat();
            let a_l = UInt32Array::from([vec![0; offset], licence.clone()].concat()).slice(offset, licence.len());
            let a_at = TimestampSecondArray::from(pad(&at)).slice(offset, at.len());
            let a_act = Int64Array::from(pad(&act)).slice(offset, act.len());
            let a_deact = Int64Array::from(pad(&deact)).slice(offset, deact.len());
            let a_before = Int64Array::from(pad(&before)).slice(offset, before.len());
            let a_group = UInt16Array::from(group.clone());
            let arrow = ArrowInput {
                licence: &a_l, at: &a_at, activated_at: &a_act, deactivated_at: &a_deact,
                last_contact_before: &a_before, group: &a_group, groups: 2, time_sorted: true,
            };
            let from_arrow = arrow.input().unwrap();
            prop_assert!(std::ptr::eq(from_arrow.at.as_ptr(), a_at.values().as_ptr()));
            prop_assert_eq!(from_arrow.at, &at[..]);
            let slices = bulk::BulkInput {
                licence: &licence, at: &at, activated_at: &act, deactivated_at: &deact,
                last_contact_before: &before, group: &group, groups: 2, time_sorted: true,
            };
            let (m, z, p) = (Month::new(2026, 11).unwrap(), Zone::utc(), LifecyclePolicy::default());
            for rule in [BillingRule::AnyDay, BillingRule::STORAGECRAFT, BillingRule::Peak, BillingRule::Snapshot { day: 15, hour: 12 }] {
                prop_assert_eq!(bulk::bill(&from_arrow, m, &z, rule, &p), bulk::bill(&slices, m, &z, rule, &p));
            }
        }
    }

    #[test]
    fn other_timestamp_units_are_refused() {
        let ms = TimestampMillisecondArray::from(vec![0]);
        let (l, t, g) = (
            UInt32Array::from(vec![0]),
            Int64Array::from(vec![0]),
            UInt16Array::from(vec![0]),
        );
        let e = ArrowInput {
            licence: &l,
            at: &ms,
            activated_at: &t,
            deactivated_at: &t,
            last_contact_before: &t,
            group: &g,
            groups: 1,
            time_sorted: false,
        }
        .input()
        .unwrap_err();
        assert_eq!(
            e,
            BillingError::ColumnType {
                column: "at",
                expected: SECONDS,
                found: ms.data_type().to_string(),
            }
        );
        let nulls = Int64Array::from(vec![Some(1), Some(2), None]);
        let e = ArrowInput {
            licence: &l,
            at: &t,
            activated_at: &t,
            deactivated_at: &nulls,
            last_contact_before: &t,
            group: &g,
            groups: 1,
            time_sorted: false,
        }
        .input()
        .unwrap_err();
        assert_eq!(
            e,
            BillingError::NullValue {
                column: "deactivated_at",
                row: 2
            }
        );
    }
}
