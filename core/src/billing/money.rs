//! Prices, currencies and rounding. Money is `rust_decimal::Decimal`: exact, never floating point.

use super::{BillingError, BillingRule};
use crate::catalog::ProductId;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How each priced line is rounded (once) to the currency's minor unit.
///
/// ```
/// use keyledger::billing::Rounding;
/// use rust_decimal::Decimal;
/// let x = Decimal::new(12345, 3); // 12.345
/// assert_eq!(Rounding::HalfUp.round(x, 2), Decimal::new(1235, 2));
/// assert_eq!(Rounding::HalfEven.round(x, 2), Decimal::new(1234, 2));
/// assert_eq!(Rounding::Down.round(x, 2), Decimal::new(1234, 2));
/// assert_eq!(Rounding::Up.round(x, 2), Decimal::new(1235, 2));
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Half away from zero (0.5 → 1): the default.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding).
    HalfEven,
    /// Toward zero (truncate).
    Down,
    /// Away from zero.
    Up,
}

impl Rounding {
    /// `x` rounded to `scale` decimal places with this rule.
    ///
    /// ```
    /// # use keyledger::billing::Rounding;
    /// # use rust_decimal::Decimal;
    /// assert_eq!(Rounding::HalfUp.round(Decimal::new(5, 1), 0), Decimal::ONE);
    /// ```
    pub fn round(self, x: Decimal, scale: u32) -> Decimal {
        let s = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::Down => RoundingStrategy::ToZero,
            Rounding::Up => RoundingStrategy::AwayFromZero,
        };
        x.round_dp_with_strategy(scale, s)
    }
}

/// The monthly price of one product and edition.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// The product.
    pub product: ProductId,
    /// The edition (None: the price of licences of this product whose edition has no own price).
    pub edition: Option<String>,
    /// Price per licence per month, in the price list's currency.
    #[cfg_attr(feature = "ts", ts(type = "string | number"))]
    pub monthly: Decimal,
    /// The currency of this price, if stated; must equal the list's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A billing rule for one product, overriding the price list's rule.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRule {
    /// The product.
    pub product: ProductId,
    /// Its rule.
    pub rule: BillingRule,
}

/// Monthly prices per product and edition, in one currency, with the billing rule and rounding.
///
/// ```
/// use keyledger::billing::{PriceList, BillingRule};
/// use keyledger::catalog::presets;
/// use rust_decimal::Decimal;
/// let mut p = PriceList::new("EUR", BillingRule::AnyDay)?;
/// p.set_price(presets::SHADOWPROTECT_MSP, Some("Server"), Decimal::new(2500, 2));
/// p.set_rule(presets::IMAGEMANAGER, BillingRule::STORAGECRAFT);
/// assert_eq!(p.rule_for(presets::IMAGEMANAGER), BillingRule::MoreThanDays(14));
/// assert_eq!(p.rule_for(presets::SHADOWPROTECT_MSP), BillingRule::AnyDay);
/// assert_eq!(p.price_of(presets::SHADOWPROTECT_MSP, Some("Server")), Some(Decimal::new(2500, 2)));
/// assert_eq!(p.price_of(presets::SHADOWPROTECT_MSP, Some("Desktop")), None);
/// # Ok::<(), keyledger::billing::BillingError>(())
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    /// ISO 4217 currency code of every price.
    pub currency: String,
    /// The rule for products without their own.
    pub rule: BillingRule,
    /// Per-product rules.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub product_rules: Vec<ProductRule>,
    /// How lines are rounded.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub rounding: Rounding,
    /// Decimal places of the currency's minor unit (2 for USD and EUR, 0 for JPY).
    pub scale: u32,
    /// The prices.
    pub prices: Vec<Price>,
}

impl PriceList {
    /// An empty price list in `currency` (scale 2, half-up rounding).
    ///
    /// # Errors
    /// [`BillingError::BadCurrency`] unless the code is three ASCII capital letters.
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// assert!(PriceList::new("usd", BillingRule::AnyDay).is_err());
    /// ```
    pub fn new(currency: &str, rule: BillingRule) -> Result<Self, BillingError> {
        check_currency(currency)?;
        Ok(PriceList {
            currency: currency.to_string(),
            rule,
            product_rules: Vec::new(),
            rounding: Rounding::HalfUp,
            scale: 2,
            prices: Vec::new(),
        })
    }

    /// Sets (or replaces) the monthly price of a product and edition.
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// # use keyledger::catalog::presets;
    /// # use rust_decimal::Decimal;
    /// let mut p = PriceList::new("USD", BillingRule::AnyDay)?;
    /// p.set_price(presets::IMAGEMANAGER, None, Decimal::new(10, 0));
    /// p.set_price(presets::IMAGEMANAGER, None, Decimal::new(12, 0));
    /// assert_eq!(p.prices.len(), 1);
    /// // An edition without its own price uses the product's edition-less price.
    /// assert_eq!(p.price_of(presets::IMAGEMANAGER, Some("IME")), Some(Decimal::new(12, 0)));
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn set_price(&mut self, product: ProductId, edition: Option<&str>, monthly: Decimal) {
        let edition = edition.map(str::to_string);
        self.prices
            .retain(|p| !(p.product == product && p.edition == edition));
        self.prices.push(Price {
            product,
            edition,
            monthly,
            currency: None,
        });
    }

    /// Sets the rule of one product.
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// # use keyledger::catalog::presets;
    /// let mut p = PriceList::new("USD", BillingRule::AnyDay)?;
    /// p.set_rule(presets::IMAGEMANAGER, BillingRule::Peak);
    /// assert_eq!(p.rule_for(presets::IMAGEMANAGER), BillingRule::Peak);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn set_rule(&mut self, product: ProductId, rule: BillingRule) {
        self.product_rules.retain(|r| r.product != product);
        self.product_rules.push(ProductRule { product, rule });
    }

    /// The rule that applies to `product`.
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// # use keyledger::catalog::presets;
    /// let p = PriceList::new("USD", BillingRule::Prorated)?;
    /// assert_eq!(p.rule_for(presets::IMAGEMANAGER), BillingRule::Prorated);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn rule_for(&self, product: ProductId) -> BillingRule {
        self.product_rules
            .iter()
            .find(|r| r.product == product)
            .map_or(self.rule, |r| r.rule)
    }

    /// The monthly price of `product` and `edition`: the exact edition's price, else the
    /// product's edition-less price.
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// # use keyledger::catalog::presets;
    /// let p = PriceList::new("USD", BillingRule::AnyDay)?;
    /// assert_eq!(p.price_of(presets::IMAGEMANAGER, None), None);
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn price_of(&self, product: ProductId, edition: Option<&str>) -> Option<Decimal> {
        let exact = self
            .prices
            .iter()
            .find(|p| p.product == product && p.edition.as_deref() == edition);
        exact
            .or_else(|| {
                self.prices
                    .iter()
                    .find(|p| p.product == product && p.edition.is_none())
            })
            .map(|p| p.monthly)
    }

    /// Checks the list: a valid currency, every price in it, no negative price, scale ≤ 28.
    ///
    /// # Errors
    /// [`BillingError::BadCurrency`], [`BillingError::MixedCurrencies`], [`BillingError::BadAmount`].
    ///
    /// ```
    /// # use keyledger::billing::{PriceList, BillingRule};
    /// # use keyledger::catalog::presets;
    /// # use rust_decimal::Decimal;
    /// let mut p = PriceList::new("USD", BillingRule::AnyDay)?;
    /// p.set_price(presets::IMAGEMANAGER, None, Decimal::new(12, 0));
    /// p.prices[0].currency = Some("EUR".into());
    /// assert_eq!(p.validate().unwrap_err().code(), "billing.mixed_currencies");
    /// # Ok::<(), keyledger::billing::BillingError>(())
    /// ```
    pub fn validate(&self) -> Result<(), BillingError> {
        check_currency(&self.currency)?;
        if self.scale > 28 {
            return Err(BillingError::BadAmount {
                what: "rounding scale".into(),
                value: self.scale.to_string(),
            });
        }
        for p in &self.prices {
            if let Some(c) = &p.currency {
                if *c != self.currency {
                    return Err(BillingError::MixedCurrencies {
                        expected: self.currency.clone(),
                        found: c.clone(),
                    });
                }
            }
            if p.monthly.is_sign_negative() && !p.monthly.is_zero() {
                return Err(BillingError::BadAmount {
                    what: format!("price of product {}", p.product),
                    value: p.monthly.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn check_currency(code: &str) -> Result<(), BillingError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(BillingError::BadCurrency {
            code: code.to_string(),
        })
    }
}

/// `price × quantity`, rounded once.
pub(crate) fn line_amount(
    price: Decimal,
    quantity_num: Decimal,
    quantity_den: u32,
    rounding: Rounding,
    scale: u32,
) -> Result<Decimal, BillingError> {
    let overflow = || BillingError::Overflow {
        what: "a priced line".into(),
    };
    let raw = price
        .checked_mul(quantity_num)
        .ok_or_else(overflow)?
        .checked_div(Decimal::from(quantity_den.max(1)))
        .ok_or_else(overflow)?;
    Ok(rounding.round(raw, scale))
}

/// Σ amounts, checked.
pub(crate) fn checked_sum(
    amounts: impl IntoIterator<Item = Decimal>,
    what: &str,
) -> Result<Decimal, BillingError> {
    amounts
        .into_iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b))
        .ok_or_else(|| BillingError::Overflow { what: what.into() })
}
