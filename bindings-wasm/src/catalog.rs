//! The catalog at the JS boundary: the StorageCraft preset as a plain object, and catalogs passed
//! in as JSON (the shape `catalog()` returns), checked product by product like `Catalog::add`.

use crate::args;
#[cfg(feature = "catalog-json")]
use crate::errors::KeyApiError;
use crate::plain::Plain;
use keyledger::catalog::{presets, Catalog, JobLicences, LicenceType, Licensing, Product};
#[cfg(feature = "catalog-json")]
use keyledger::format::FormatError;
use std::sync::OnceLock;
use wasm_bindgen::prelude::*;

/// The StorageCraft preset, built once.
pub fn preset() -> &'static Catalog {
    static PRESET: OnceLock<Catalog> = OnceLock::new();
    PRESET.get_or_init(presets::storagecraft)
}

/// Reads a catalog from JSON (feature `catalog-json`) (`{"products": [...]}`), with the same checks as adding each product.
///
/// # Errors
/// `format.corrupt` for text that is not a catalog; the catalog's own errors (duplicate id, empty or
/// duplicate name, zero licences).
#[cfg(feature = "catalog-json")]
pub fn from_json(json: &str) -> Result<Catalog, KeyApiError> {
    let raw: Catalog = serde_json::from_str(json).map_err(|e| FormatError::from_json_error(&e))?;
    let mut catalog = Catalog::new();
    for product in raw.products() {
        catalog.add(product.clone())?;
    }
    Ok(catalog)
}

/// A catalog from JSON, or the coded error a JS caller sees.
///
/// # Errors
/// As [`from_json`]; in a build without the `catalog-json` feature, always `js.unsupported`.
pub(crate) fn from_json_js(json: &str) -> Result<Catalog, JsValue> {
    #[cfg(feature = "catalog-json")]
    {
        from_json(json).map_err(crate::errors::coded)
    }
    #[cfg(not(feature = "catalog-json"))]
    {
        let _ = json;
        Err(crate::errors::throw(&crate::args::unsupported(
            "catalogs passed as JSON",
            "catalog-json",
        )))
    }
}

/// A catalog from an optional JSON argument: `None` (the preset) when absent.
pub(crate) fn from_arg(
    value: &JsValue,
    argument: &'static str,
) -> Result<Option<Catalog>, JsValue> {
    args::optional_string(value, argument)?
        .map(|j| from_json_js(&j))
        .transpose()
}

/// A catalog as a plain object in its serde form: `{products: [{id, name, key_type, ...}]}`,
/// written field by field (the tests check it equals the serde form).
pub fn catalog_plain(catalog: &Catalog) -> Plain {
    Plain::object([("products", Plain::array(catalog.products()))])
}

impl From<&Product> for Plain {
    fn from(p: &Product) -> Self {
        Plain::object([
            ("id", p.id.get().into()),
            ("name", (&p.name).into()),
            ("key_type", (&p.key_type).into()),
            ("licence_type", licence_type_name(p.licence_type).into()),
            ("licensing", licensing_name(p.licensing).into()),
            ("editions", Plain::array(&p.editions)),
            ("job_licences", Plain::array(&p.job_licences)),
            ("licences_per_key", p.licences_per_key.into()),
        ])
    }
}

impl From<&JobLicences> for Plain {
    fn from(j: &JobLicences) -> Self {
        Plain::object([
            ("job_type", (&j.job_type).into()),
            ("count", j.count.into()),
        ])
    }
}

/// The serde name of a licence type.
fn licence_type_name(t: LicenceType) -> &'static str {
    match t {
        LicenceType::Msp => "msp",
        LicenceType::Legacy => "legacy",
        LicenceType::ImageManager => "image_manager",
    }
}

/// The serde name of a licensing model.
fn licensing_name(l: Licensing) -> &'static str {
    match l {
        Licensing::Subscription => "subscription",
        Licensing::Perpetual => "perpetual",
    }
}

/// The StorageCraft preset catalog as a plain object: `{products: [{id, name, key_type, ...}]}`
/// (field names as in the Rust serde form).
#[wasm_bindgen(js_name = catalog, unchecked_return_type = "Catalog")]
pub fn preset_catalog() -> JsValue {
    catalog_plain(preset()).to_js()
}

#[cfg(test)]
mod plain_tests {
    use super::*;
    use keyledger::catalog::ProductId;

    /// What JS receives from `catalog()` is the serde form, field order included, for every
    /// licence type and licensing model.
    #[test]
    fn catalogs_are_written_as_their_serde_form() {
        let mut other = Catalog::new();
        for (id, licence_type, licensing) in [
            (7, LicenceType::Msp, Licensing::Perpetual),
            (8, LicenceType::Legacy, Licensing::Subscription),
            (9, LicenceType::ImageManager, Licensing::Perpetual),
        ] {
            let mut p = Product::subscription(ProductId::new(id).unwrap(), format!("P\"{id}"));
            p.licence_type = licence_type;
            p.licensing = licensing;
            p.licences_per_key = 3;
            other.add(p).unwrap();
        }
        for catalog in [preset(), &other, &Catalog::new()] {
            assert_eq!(
                serde_json::to_string(&catalog_plain(catalog)).unwrap(),
                serde_json::to_string(catalog).unwrap()
            );
        }
    }
}

#[cfg(all(test, feature = "catalog-json"))]
mod tests {
    use super::*;

    #[test]
    fn preset_round_trips_through_json() {
        let json = serde_json::to_string(preset()).unwrap();
        assert_eq!(&from_json(&json).unwrap(), preset());
    }

    #[test]
    fn json_catalogs_get_the_same_checks_as_add() {
        let dup = r#"{"products":[
            {"id":5,"name":"A","key_type":"A","licence_type":"msp","licensing":"subscription","editions":[],"job_licences":[],"licences_per_key":1},
            {"id":5,"name":"B","key_type":"B","licence_type":"msp","licensing":"subscription","editions":[],"job_licences":[],"licences_per_key":1}
        ]}"#;
        assert_eq!(
            from_json(dup).unwrap_err().code(),
            "catalog.duplicate_product"
        );
        assert_eq!(from_json("{nope").unwrap_err().code(), "format.corrupt");
        assert_eq!(
            from_json(r#"{"products":[]}"#).unwrap(),
            Catalog::new(),
            "an empty catalog is allowed"
        );
    }
}
