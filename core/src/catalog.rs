//! Products, editions and job types: the catalog is data the user supplies.
//!
//! A [`Catalog`] lists [`Product`]s by a small numeric [`ProductId`] (0–63: the id is written into
//! every product key, in 6 bits). The seed values ship as [`presets::storagecraft`].
//!
//! ```
//! use keyledger::catalog::{presets, ProductId};
//!
//! let catalog = presets::storagecraft();
//! let sp = catalog.get(ProductId::new(1)?).expect("preset product 1");
//! assert_eq!(sp.name, "ShadowProtect for MSP");
//! assert!(sp.editions.iter().any(|e| e == "Server"));
//! # Ok::<(), keyledger::catalog::CatalogError>(())
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest product id that fits in a key (6 bits).
pub const MAX_PRODUCT_ID: u8 = 63;

crate::error::coded! {
/// Errors of the catalog module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum CatalogError {
    /// A product id must fit in the key's 6-bit product field.
    #[code = "catalog.product_id_range"]
    #[error("product id {id} is out of range: ids go from 0 to {max}")]
    ProductIdOutOfRange {
        /// The id that was given.
        id: u32,
        /// The largest id allowed.
        max: u8,
    },
    /// Two products of one catalog share an id.
    #[code = "catalog.duplicate_product"]
    #[error("product id {id} is already used by \"{existing}\"")]
    DuplicateProductId {
        /// The id used twice.
        id: u8,
        /// The name of the product that holds it.
        existing: String,
    },
    /// Product names must be unique and non-empty.
    #[code = "catalog.bad_name"]
    #[error("{}", if name.trim().is_empty() { "a product name must not be empty".to_string() } else { format!("product name \"{name}\" is already used") })]
    BadProductName {
        /// The name that was refused.
        name: String,
    },
    /// A product with a licence count of zero could never be activated.
    #[code = "catalog.zero_licences"]
    #[error("product \"{name}\" must carry at least one licence per key")]
    ZeroLicences {
        /// The product's name.
        name: String,
    },
}
}

impl CatalogError {}

/// The id of a product: the number written into its keys (0–63).
///
/// ```
/// # use keyledger::catalog::ProductId;
/// assert_eq!(ProductId::new(2).unwrap().get(), 2);
/// assert!(ProductId::new(200).is_err());
/// ```
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ProductId(u8);

impl ProductId {
    /// A product id, if it fits in 6 bits.
    ///
    /// # Errors
    /// [`CatalogError::ProductIdOutOfRange`] above [`MAX_PRODUCT_ID`].
    pub fn new(id: u32) -> Result<Self, CatalogError> {
        if id > u32::from(MAX_PRODUCT_ID) {
            return Err(CatalogError::ProductIdOutOfRange {
                id,
                max: MAX_PRODUCT_ID,
            });
        }
        Ok(ProductId(id as u8))
    }

    /// The numeric id.
    ///
    /// ```
    /// # use keyledger::catalog::ProductId;
    /// assert_eq!(ProductId::new(5).unwrap().get(), 5);
    /// ```
    pub fn get(self) -> u8 {
        self.0
    }

    pub(crate) const fn from_bits(bits: u8) -> Self {
        ProductId(bits & MAX_PRODUCT_ID)
    }
}

impl TryFrom<u32> for ProductId {
    type Error = CatalogError;
    fn try_from(v: u32) -> Result<Self, CatalogError> {
        ProductId::new(v)
    }
}

impl From<ProductId> for u32 {
    fn from(p: ProductId) -> u32 {
        u32::from(p.0)
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a product is sold.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Licensing {
    /// Billed monthly; the licence calls home and moves through the life cycle.
    Subscription,
    /// Bought once (legacy keys): a static status, Active or Deactivated, no call-home.
    Perpetual,
}

/// The "License Type" column of the console: MSP, Legacy or ImageManager.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceType {
    /// A subscription (SP MSP) key for the main product.
    Msp,
    /// A perpetual key from before the subscription model.
    Legacy,
    /// A key carrying ImageManager job licences.
    ImageManager,
}

impl LicenceType {
    /// The label the console shows.
    ///
    /// ```
    /// # use keyledger::catalog::LicenceType;
    /// assert_eq!(LicenceType::ImageManager.label(), "ImageManager");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            LicenceType::Msp => "MSP",
            LicenceType::Legacy => "Legacy",
            LicenceType::ImageManager => "ImageManager",
        }
    }
}

/// A number of licences of one job type carried by each key (ImageManager: 50 intelligentFTP, ...).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLicences {
    /// The job type's name.
    pub job_type: String,
    /// Licences of that job type per key.
    pub count: u32,
}

/// One product of the catalog.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The id written into its keys.
    pub id: ProductId,
    /// Display name, unique in the catalog.
    pub name: String,
    /// The key-type group this product is reported under (e.g. "SP MSP ShadowProtect").
    pub key_type: String,
    /// MSP, Legacy or ImageManager.
    #[serde(alias = "license_type")]
    pub licence_type: LicenceType,
    /// Subscription or perpetual.
    pub licensing: Licensing,
    /// Editions an activation may name; the edition found at activation sets the fee. May be empty.
    pub editions: Vec<String>,
    /// Job licences each key carries (may be empty).
    pub job_licences: Vec<JobLicences>,
    /// Licences (concurrent activations) per generated key: 1 for every key the console makes.
    pub licences_per_key: u32,
}

impl Product {
    /// A subscription product with no editions, no job licences and one licence per key.
    ///
    /// ```
    /// # use keyledger::catalog::{Product, ProductId, Licensing};
    /// let p = Product::subscription(ProductId::new(9)?, "Cloud Backup");
    /// assert_eq!(p.licensing, Licensing::Subscription);
    /// assert_eq!(p.licences_per_key, 1);
    /// # Ok::<(), keyledger::catalog::CatalogError>(())
    /// ```
    pub fn subscription(id: ProductId, name: impl Into<String>) -> Self {
        let name = name.into();
        Product {
            id,
            key_type: name.clone(),
            name,
            licence_type: LicenceType::Msp,
            licensing: Licensing::Subscription,
            editions: Vec::new(),
            job_licences: Vec::new(),
            licences_per_key: 1,
        }
    }

    /// Whether licences of this product call home and move through the subscription life cycle.
    ///
    /// ```
    /// # use keyledger::catalog::{presets, ProductId};
    /// let c = presets::storagecraft();
    /// assert!(c.get(ProductId::new(1)?).unwrap().is_subscription());
    /// assert!(!c.get(ProductId::new(3)?).unwrap().is_subscription());
    /// # Ok::<(), keyledger::catalog::CatalogError>(())
    /// ```
    pub fn is_subscription(&self) -> bool {
        self.licensing == Licensing::Subscription
    }
}

/// The products a ledger knows, by id.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Catalog {
    products: Vec<Product>,
}

impl Catalog {
    /// An empty catalog.
    ///
    /// ```
    /// # use keyledger::catalog::Catalog;
    /// assert!(Catalog::new().products().is_empty());
    /// ```
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Adds a product.
    ///
    /// # Errors
    /// [`CatalogError::DuplicateProductId`], [`CatalogError::BadProductName`] (empty or used name),
    /// [`CatalogError::ZeroLicences`]. The catalog is unchanged on error.
    ///
    /// ```
    /// # use keyledger::catalog::{Catalog, Product, ProductId};
    /// let mut c = Catalog::new();
    /// c.add(Product::subscription(ProductId::new(7)?, "Vault"))?;
    /// assert!(c.add(Product::subscription(ProductId::new(7)?, "Other")).is_err());
    /// # Ok::<(), keyledger::catalog::CatalogError>(())
    /// ```
    pub fn add(&mut self, product: Product) -> Result<(), CatalogError> {
        if let Some(existing) = self.get(product.id) {
            return Err(CatalogError::DuplicateProductId {
                id: product.id.get(),
                existing: existing.name.clone(),
            });
        }
        if product.name.trim().is_empty() || self.by_name(&product.name).is_some() {
            return Err(CatalogError::BadProductName { name: product.name });
        }
        if product.licences_per_key == 0 {
            return Err(CatalogError::ZeroLicences { name: product.name });
        }
        let at = self.products.partition_point(|p| p.id < product.id);
        self.products.insert(at, product);
        Ok(())
    }

    /// The product with this id.
    ///
    /// ```
    /// # use keyledger::catalog::{presets, ProductId};
    /// assert!(presets::storagecraft().get(ProductId::new(63)?).is_none());
    /// # Ok::<(), keyledger::catalog::CatalogError>(())
    /// ```
    pub fn get(&self, id: ProductId) -> Option<&Product> {
        self.products
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| &self.products[i])
    }

    /// The product with this name.
    ///
    /// ```
    /// # use keyledger::catalog::presets;
    /// assert_eq!(presets::storagecraft().by_name("ImageManager").unwrap().id.get(), 2);
    /// ```
    pub fn by_name(&self, name: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.name == name)
    }

    /// All products, by id.
    ///
    /// ```
    /// # use keyledger::catalog::presets;
    /// assert_eq!(presets::storagecraft().products().len(), 4);
    /// ```
    pub fn products(&self) -> &[Product] {
        &self.products
    }
}

/// Ready-made catalogs from the seed documents.
pub mod presets {
    use super::*;

    /// Id of `ShadowProtect for MSP` in [`storagecraft`].
    pub const SHADOWPROTECT_MSP: ProductId = ProductId(1);
    /// Id of `ImageManager` in [`storagecraft`].
    pub const IMAGEMANAGER: ProductId = ProductId(2);
    /// Id of `Legacy ShadowProtect` in [`storagecraft`].
    pub const LEGACY_SHADOWPROTECT: ProductId = ProductId(3);
    /// Id of `Legacy ImageManager` in [`storagecraft`].
    pub const LEGACY_IMAGEMANAGER: ProductId = ProductId(4);

    /// The StorageCraft MSP Licensing Console catalog.
    ///
    /// - `ShadowProtect for MSP` (id 1): subscription; one key activates any edition (Server, SBS,
    ///   Desktop) and the edition found at activation sets the fee.
    /// - `ImageManager` (id 2): subscription; each key carries 50 licences of each job type
    ///   (intelligentFTP, ShadowStream, HeadStart Restore).
    /// - `Legacy ShadowProtect` (3) and `Legacy ImageManager` (4): perpetual, static status.
    ///
    /// ```
    /// use keyledger::catalog::presets;
    /// let im = presets::storagecraft();
    /// let im = im.get(presets::IMAGEMANAGER).unwrap();
    /// assert_eq!(im.job_licences.len(), 3);
    /// assert!(im.job_licences.iter().all(|j| j.count == 50));
    /// ```
    pub fn storagecraft() -> Catalog {
        let editions = || vec!["Server".to_string(), "SBS".into(), "Desktop".into()];
        let jobs = || {
            ["intelligentFTP", "ShadowStream", "HeadStart Restore"]
                .iter()
                .map(|j| JobLicences {
                    job_type: (*j).to_string(),
                    count: 50,
                })
                .collect::<Vec<_>>()
        };
        let products = vec![
            Product {
                id: SHADOWPROTECT_MSP,
                name: "ShadowProtect for MSP".into(),
                key_type: "SP MSP ShadowProtect".into(),
                licence_type: LicenceType::Msp,
                licensing: Licensing::Subscription,
                editions: editions(),
                job_licences: Vec::new(),
                licences_per_key: 1,
            },
            Product {
                id: IMAGEMANAGER,
                name: "ImageManager".into(),
                key_type: "SP MSP ImageManager".into(),
                licence_type: LicenceType::ImageManager,
                licensing: Licensing::Subscription,
                editions: vec!["IME".into()],
                job_licences: jobs(),
                licences_per_key: 1,
            },
            Product {
                id: LEGACY_SHADOWPROTECT,
                name: "Legacy ShadowProtect".into(),
                key_type: "Legacy ShadowProtect".into(),
                licence_type: LicenceType::Legacy,
                licensing: Licensing::Perpetual,
                editions: editions(),
                job_licences: Vec::new(),
                licences_per_key: 1,
            },
            Product {
                id: LEGACY_IMAGEMANAGER,
                name: "Legacy ImageManager".into(),
                key_type: "Legacy ImageManager".into(),
                licence_type: LicenceType::Legacy,
                licensing: Licensing::Perpetual,
                editions: vec!["IME".into()],
                job_licences: jobs(),
                licences_per_key: 1,
            },
        ];
        Catalog { products }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_is_valid_when_rebuilt_through_add() {
        let preset = presets::storagecraft();
        let mut c = Catalog::new();
        for p in preset.products().iter().rev() {
            c.add(p.clone()).unwrap();
        }
        assert_eq!(c, preset);
    }

    #[test]
    fn add_refuses_bad_products_and_leaves_catalog_unchanged() {
        let mut c = presets::storagecraft();
        let before = c.clone();
        let mut p = Product::subscription(ProductId::new(10).unwrap(), "ImageManager");
        assert!(matches!(
            c.add(p.clone()),
            Err(CatalogError::BadProductName { .. })
        ));
        p.name = "New".into();
        p.licences_per_key = 0;
        assert!(matches!(c.add(p), Err(CatalogError::ZeroLicences { .. })));
        assert_eq!(c, before);
    }

    #[test]
    fn product_id_serde_rejects_out_of_range() {
        assert!(serde_json::from_str::<ProductId>("64").is_err());
        assert_eq!(serde_json::from_str::<ProductId>("63").unwrap().get(), 63);
    }
}
