//! Walk-throughs live in this package as `cargo run -p keyledger-examples --example …`; this
//! library holds what more than one of them uses.

use keyledger::billing::{BillingError, BillingRule, PriceList};
use keyledger::catalog::presets;
use rust_decimal::Decimal;

/// The walk-throughs' price list under StorageCraft's rule (billed when billable on more than 14
/// days): ShadowProtect for MSP Server 25.00, SBS 18.00, Desktop 6.00, ImageManager 12.50 a month.
///
/// ```
/// # use keyledger::catalog::presets;
/// let prices = keyledger_examples::demo_prices("EUR")?;
/// assert_eq!(prices.price_of(presets::IMAGEMANAGER, None).unwrap().to_string(), "12.50");
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
///
/// # Errors
/// [`BillingError::BadCurrency`] for a currency that is not a three-letter code.
pub fn demo_prices(currency: &str) -> Result<PriceList, BillingError> {
    let mut prices = PriceList::new(currency, BillingRule::STORAGECRAFT)?;
    let sp = presets::SHADOWPROTECT_MSP;
    prices.set_price(sp, Some("Server"), Decimal::new(2500, 2));
    prices.set_price(sp, Some("SBS"), Decimal::new(1800, 2));
    prices.set_price(sp, Some("Desktop"), Decimal::new(600, 2));
    prices.set_price(presets::IMAGEMANAGER, None, Decimal::new(1250, 2));
    Ok(prices)
}
