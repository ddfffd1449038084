//! The catalog at the JS boundary: the StorageCraft preset as a plain object, and catalogs passed
//! in as JSON (the shape `catalog()` returns), checked product by product like `Catalog::add`.

use crate::args;
use crate::errors::plain;
#[cfg(feature = "catalog-json")]
use crate::errors::KeyApiError;
use keyledger::catalog::{presets, Catalog};
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

/// The StorageCraft preset catalog as a plain object: `{products: [{id, name, keyType, ...}]}`
/// (field names as in the Rust serde form).
///
/// # Errors
/// None in practice (a coded `format.write` error if it could not be written).
#[wasm_bindgen(js_name = catalog, unchecked_return_type = "Catalog")]
pub fn preset_catalog() -> Result<JsValue, JsValue> {
    plain(preset())
}

#[wasm_bindgen(typescript_custom_section)]
const CATALOG_TS: &str = r#"
/** A product of the catalog (the Rust serde form). */
export interface Product {
    id: number;
    name: string;
    key_type: string;
    license_type: "msp" | "legacy" | "image_manager";
    licensing: "subscription" | "perpetual";
    editions: string[];
    job_licences: { job_type: string; count: number }[];
    licences_per_key: number;
}
/** A catalog: products by id. */
export interface Catalog {
    products: Product[];
}
"#;

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
            {"id":5,"name":"A","key_type":"A","license_type":"msp","licensing":"subscription","editions":[],"job_licences":[],"licences_per_key":1},
            {"id":5,"name":"B","key_type":"B","license_type":"msp","licensing":"subscription","editions":[],"job_licences":[],"licences_per_key":1}
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
