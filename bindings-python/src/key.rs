//! Product keys: catalog, issuer, parse, check, verify.

use crate::errors::{from_json, to_json, to_py};
use keyledger::catalog::{presets, Catalog, ProductId};
use keyledger::key::{check_key, Issuer, ProductKey};
use pyo3::prelude::*;
use serde_json::json;

/// A catalog from the JSON the Python layer sends (`None`: the StorageCraft preset). Products are
/// added one by one, so the catalog's own checks apply.
pub(crate) fn catalog_arg(catalog: Option<&str>) -> PyResult<Catalog> {
    let Some(text) = catalog else {
        return Ok(presets::storagecraft());
    };
    let raw: Catalog = from_json("catalog", text)?;
    let mut c = Catalog::new();
    for p in raw.products() {
        c.add(p.clone()).map_err(to_py)?;
    }
    Ok(c)
}

pub(crate) fn product_arg(id: u32) -> PyResult<ProductId> {
    ProductId::new(id).map_err(to_py)
}

pub(crate) fn key_arg(text: &str) -> PyResult<ProductKey> {
    ProductKey::parse(text).map_err(to_py)
}

fn parsed(key: &ProductKey) -> serde_json::Value {
    json!({
        "key": key.to_string(),
        "version": key.version(),
        "secret_id": key.secret_id(),
        "product": key.product().get(),
        "serial": key.serial(),
    })
}

/// The StorageCraft preset catalog as JSON.
#[pyfunction]
fn storagecraft_catalog() -> PyResult<String> {
    to_json(&presets::storagecraft())
}

/// Checks a catalog given as JSON; returns it normalised.
#[pyfunction]
fn validate_catalog(catalog: &str) -> PyResult<String> {
    to_json(&catalog_arg(Some(catalog))?)
}

/// Parses a key: JSON `{key, version, secret_id, product, serial}` or a key error.
#[pyfunction]
fn parse_key(text: &str) -> PyResult<String> {
    to_json(&parsed(&key_arg(text)?))
}

/// The public check (no secret) as a KeyCheck JSON.
#[pyfunction]
#[pyo3(signature = (text, catalog=None))]
fn check_key_json(text: &str, catalog: Option<&str>) -> PyResult<String> {
    to_json(&check_key(&catalog_arg(catalog)?, text))
}

/// The issuer: secrets by id, generation, verification.
#[pyclass(name = "NativeIssuer", module = "keyledger._keyledger")]
pub(crate) struct NativeIssuer {
    pub(crate) inner: Issuer,
}

#[pymethods]
impl NativeIssuer {
    #[new]
    fn new(secret_id: u32, secret: &[u8]) -> PyResult<Self> {
        Ok(NativeIssuer {
            inner: Issuer::new(secret_id, secret).map_err(to_py)?,
        })
    }

    fn add_secret(&mut self, secret_id: u32, secret: &[u8]) -> PyResult<()> {
        self.inner.add_secret(secret_id, secret).map_err(to_py)
    }

    fn set_active(&mut self, secret_id: u32) -> PyResult<()> {
        self.inner.set_active(secret_id).map_err(to_py)
    }

    fn remove_secret(&mut self, secret_id: u32) -> PyResult<()> {
        self.inner.remove_secret(secret_id).map_err(to_py)
    }

    fn secret_ids(&self) -> Vec<u8> {
        self.inner.secret_ids()
    }

    fn active_secret(&self) -> u8 {
        self.inner.active_secret()
    }

    fn max_per_request(&self) -> u32 {
        self.inner.max_per_request()
    }

    fn set_max_per_request(&mut self, max: u32) -> PyResult<()> {
        self.inner.set_max_per_request(max).map_err(to_py)
    }

    fn generate(&self, product: u32, serial: u32) -> PyResult<String> {
        let key = self
            .inner
            .generate(product_arg(product)?, serial)
            .map_err(to_py)?;
        Ok(key.to_string())
    }

    fn generate_batch(
        &self,
        product: u32,
        first_serial: u32,
        quantity: u32,
    ) -> PyResult<Vec<String>> {
        let keys = self
            .inner
            .generate_batch(product_arg(product)?, first_serial, quantity)
            .map_err(to_py)?;
        Ok(keys.iter().map(ToString::to_string).collect())
    }

    /// Parses and verifies; returns the parsed JSON or raises.
    fn verify(&self, text: &str) -> PyResult<String> {
        let key = self.inner.parse_and_verify(text).map_err(to_py)?;
        to_json(&parsed(&key))
    }

    /// The full check (with the tag) as a KeyCheck JSON.
    #[pyo3(signature = (text, catalog=None))]
    fn check(&self, text: &str, catalog: Option<&str>) -> PyResult<String> {
        to_json(&self.inner.check(&catalog_arg(catalog)?, text))
    }

    /// Many full checks in one call: a JSON list of KeyChecks.
    #[pyo3(signature = (texts, catalog=None))]
    fn check_many(&self, texts: Vec<String>, catalog: Option<&str>) -> PyResult<String> {
        let c = catalog_arg(catalog)?;
        to_json(&self.inner.check_many(&c, texts.iter().map(String::as_str)))
    }

    /// Many verifications in one call: the code of each ("ok" or the error code).
    fn verify_many(&self, texts: Vec<String>) -> Vec<&'static str> {
        texts
            .iter()
            .map(|t| match self.inner.parse_and_verify(t) {
                Ok(_) => "ok",
                Err(e) => e.code(),
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Issuer(secret_ids={:?}, active={}, secrets=<redacted>)",
            self.inner.secret_ids(),
            self.inner.active_secret()
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(storagecraft_catalog, m)?)?;
    m.add_function(wrap_pyfunction!(validate_catalog, m)?)?;
    m.add_function(wrap_pyfunction!(parse_key, m)?)?;
    m.add_function(wrap_pyfunction!(check_key_json, m)?)?;
    m.add_class::<NativeIssuer>()?;
    Ok(())
}
