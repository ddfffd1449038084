//! Product keys: catalog, issuer, parse, check, verify.

use crate::doc::{document, py_enum};
use crate::errors::{
    bytes_arg, items, key as key_arg, key_text, to_dict, to_json_text, to_py, u32_arg, KeyText,
};
use keyledger::catalog::{self, presets, Catalog, JobLicences, Product, ProductId};
use keyledger::key::{check_key as core_check_key, Issuer, KeyCheck, ProductKey};
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::OnceLock;

/// The StorageCraft preset, built once.
pub(crate) fn storagecraft() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(presets::storagecraft)
}

/// A catalog argument: a `Catalog`, or `None` for the StorageCraft preset.
pub(crate) fn catalog_ref<'a>(
    obj: Option<&'a Bound<'_, PyAny>>,
    argument: &str,
) -> PyResult<CatalogRef<'a>> {
    match obj {
        None => Ok(CatalogRef::Preset),
        Some(o) if o.is_none() => Ok(CatalogRef::Preset),
        Some(o) => o
            .cast::<PyCatalog>()
            .map(|c| CatalogRef::Given(c.get()))
            .map_err(|_| crate::errors::bad_argument(argument, "expected a Catalog or None")),
    }
}

pub(crate) enum CatalogRef<'a> {
    Preset,
    Given(&'a PyCatalog),
}

impl std::ops::Deref for CatalogRef<'_> {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        match self {
            CatalogRef::Preset => storagecraft(),
            CatalogRef::Given(c) => &c.inner,
        }
    }
}

pub(crate) fn product_arg(obj: &Bound<'_, PyAny>) -> PyResult<ProductId> {
    if let Ok(p) = obj.cast::<PyProduct>() {
        return Ok(p.get().inner.id);
    }
    ProductId::new(u32_arg(obj, "product")?).map_err(to_py)
}

/// A well-formed product key that passed the typo check. ``str(key)`` is its canonical text.
#[pyclass(frozen, name = "ProductKey", module = "keyledger")]
pub(crate) struct PyProductKey {
    pub(crate) inner: ProductKey,
}

impl From<ProductKey> for PyProductKey {
    fn from(inner: ProductKey) -> Self {
        PyProductKey { inner }
    }
}

#[pymethods]
impl PyProductKey {
    /// Parses a key leniently (case, dashes, spaces, O/I/L aliases); raises ProductKeyError.
    #[staticmethod]
    fn parse(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        key_arg(text, "text").map(Self::from)
    }

    /// The canonical text (``XXXX-XXXX-XXXX-XXXX``).
    #[getter]
    fn key(&self) -> String {
        self.inner.to_string()
    }

    /// The key format version.
    #[getter]
    fn version(&self) -> u8 {
        self.inner.version()
    }

    /// The id of the issuer secret the key was made under.
    #[getter]
    fn secret_id(&self) -> u8 {
        self.inner.secret_id()
    }

    /// The product id.
    #[getter]
    fn product(&self) -> u8 {
        self.inner.product().get()
    }

    /// The serial number.
    #[getter]
    fn serial(&self) -> u32 {
        self.inner.serial()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = pyo3::types::PyDict::new(py);
        d.set_item("key", self.inner.to_string())?;
        d.set_item("version", self.inner.version())?;
        d.set_item("secret_id", self.inner.secret_id())?;
        d.set_item("product", self.inner.product().get())?;
        d.set_item("serial", self.inner.serial())?;
        Ok(d.into_any())
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!("ProductKey('{}')", self.inner)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        match other.cast::<PyProductKey>() {
            Ok(o) => op
                .matches(self.inner.cmp(&o.get().inner))
                .into_pyobject(py)
                .map(|b| b.to_owned().into_any().unbind())
                .unwrap_or_else(|_| py.NotImplemented()),
            Err(_) => py.NotImplemented(),
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let parse = slf.get_type().getattr("parse")?;
        Ok((parse, (slf.get().inner.to_string(),)))
    }
}

/// The answer to "may this key be used?": a value, with a stable ``code``.
#[pyclass(frozen, name = "KeyCheck", module = "keyledger")]
pub(crate) struct PyKeyCheck {
    repr: CheckRepr,
}

/// A genuine key of a known product (the batch path's usual answer) is held as the key and the
/// product's name, shared by every check of the batch; the core's `KeyCheck` (its `detail`) is
/// built only when read. Any other answer is the core's `KeyCheck` as it came.
enum CheckRepr {
    Genuine {
        key: ProductKey,
        product: Py<PyString>,
    },
    Full {
        inner: Box<KeyCheck>,
        /// The character as Python saw it when it was a lone surrogate.
        surrogate: Option<Py<PyAny>>,
    },
}

impl PyKeyCheck {
    pub(crate) fn new(inner: KeyCheck, text: &KeyText<'_, '_>) -> Self {
        let surrogate = inner.position.and_then(|p| text.surrogate_at(p));
        PyKeyCheck {
            repr: CheckRepr::Full {
                inner: Box::new(inner),
                surrogate,
            },
        }
    }

    /// The core's value (built for a genuine key: `KeyCheck::genuine`).
    fn core(&self, py: Python<'_>) -> std::borrow::Cow<'_, KeyCheck> {
        match &self.repr {
            CheckRepr::Genuine { key, product } => std::borrow::Cow::Owned(KeyCheck::genuine(
                *key,
                &product.bind(py).to_cow().unwrap_or_default(),
            )),
            CheckRepr::Full { inner, .. } => std::borrow::Cow::Borrowed(inner),
        }
    }
}

#[pymethods]
impl PyKeyCheck {
    /// Whether the key may be used.
    #[getter]
    fn usable(&self) -> bool {
        match &self.repr {
            CheckRepr::Genuine { .. } => true,
            CheckRepr::Full { inner, .. } => inner.usable,
        }
    }
    /// The stable code: ``"ok"`` or the error code (``key.typo``, ``licence.late``...).
    #[getter]
    fn code(&self) -> &'static str {
        match &self.repr {
            CheckRepr::Genuine { .. } => keyledger::key::CheckCode::Ok.as_str(),
            CheckRepr::Full { inner, .. } => inner.code.as_str(),
        }
    }
    /// What a person reads.
    #[getter]
    fn detail(&self, py: Python<'_>) -> String {
        self.core(py).detail.clone()
    }
    /// The parsed key, when it parsed.
    #[getter]
    fn key(&self) -> Option<PyProductKey> {
        match &self.repr {
            CheckRepr::Genuine { key, .. } => Some((*key).into()),
            CheckRepr::Full { inner, .. } => inner.key.map(PyProductKey::from),
        }
    }
    /// The product's name, when it is in the catalog.
    #[getter]
    fn product<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        match &self.repr {
            CheckRepr::Genuine { product, .. } => Some(product.bind(py).clone()),
            CheckRepr::Full { inner, .. } => inner.product.as_deref().map(|p| PyString::new(py, p)),
        }
    }
    /// The serial, when the key parsed.
    #[getter]
    fn serial(&self) -> Option<u32> {
        match &self.repr {
            CheckRepr::Genuine { key, .. } => Some(key.serial()),
            CheckRepr::Full { inner, .. } => inner.serial,
        }
    }
    /// 1-based position of a malformed character.
    #[getter]
    fn position(&self) -> Option<usize> {
        match &self.repr {
            CheckRepr::Genuine { .. } => None,
            CheckRepr::Full { inner, .. } => inner.position,
        }
    }
    /// The malformed character.
    #[getter]
    fn character<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        let CheckRepr::Full { inner, surrogate } = &self.repr else {
            return None;
        };
        if let Some(s) = surrogate {
            return Some(s.bind(py).clone());
        }
        inner
            .character
            .map(|c| PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any())
    }
    /// When the answer changes (a late licence becomes disabled...), if it will.
    #[getter]
    fn next_change(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        match &self.repr {
            CheckRepr::Genuine { .. } => None,
            CheckRepr::Full { inner, .. } => inner.next_change,
        }
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = to_dict(py, &*self.core(py))?;
        if let CheckRepr::Full {
            surrogate: Some(s), ..
        } = &self.repr
        {
            d.set_item("character", s.bind(py))?;
        }
        Ok(d)
    }
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        to_json_text(&*self.core(py))
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let c = self.core(py);
        format!(
            "KeyCheck(usable={}, code={:?}, detail={:?})",
            if c.usable { "True" } else { "False" },
            c.code.as_str(),
            c.detail
        )
    }
}

py_enum!(PyLicenceType(catalog::LicenceType) as "LicenceType", "Which console licence type a product is." {
    Msp = "MSP" / "Msp" => catalog::LicenceType::Msp => catalog::LicenceType::Msp,
    Legacy = "LEGACY" / "Legacy" => catalog::LicenceType::Legacy => catalog::LicenceType::Legacy,
    ImageManager = "IMAGEMANAGER" / "ImageManager" => catalog::LicenceType::ImageManager => catalog::LicenceType::ImageManager,
});

py_enum!(PyLicensing(catalog::Licensing) as "Licensing", "Subscription (billed monthly) or perpetual." {
    Subscription = "SUBSCRIPTION" / "Subscription" => catalog::Licensing::Subscription => catalog::Licensing::Subscription,
    Perpetual = "PERPETUAL" / "Perpetual" => catalog::Licensing::Perpetual => catalog::Licensing::Perpetual,
});

document!(PyJobLicences(JobLicences) as "JobLicences", "Concurrent job licences of one type that a key carries." {
    job_type: String => "str" = |s| s.job_type.clone();
    count: u32 => "int" = |s| s.count;
});

/// One product of a catalog.
#[pyclass(frozen, name = "Product", module = "keyledger")]
pub(crate) struct PyProduct {
    pub(crate) inner: Product,
}

#[pymethods]
impl PyProduct {
    #[new]
    #[pyo3(signature = (id, name, key_type, licence_type, licensing, editions=None, job_licences=None, licences_per_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        key_type: &Bound<'_, PyAny>,
        licence_type: &Bound<'_, PyAny>,
        licensing: &Bound<'_, PyAny>,
        editions: Option<&Bound<'_, PyAny>>,
        job_licences: Option<&Bound<'_, PyAny>>,
        licences_per_key: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let id = ProductId::new(u32_arg(id, "id")?).map_err(to_py)?;
        let licence_type = licence_type
            .cast::<PyLicenceType>()
            .map(|l| l.get().to_core())
            .map_err(|_| crate::errors::bad_argument("licence_type", "expected a LicenceType"))?;
        let licensing = licensing
            .cast::<PyLicensing>()
            .map(|l| l.get().to_core())
            .map_err(|_| crate::errors::bad_argument("licensing", "expected a Licensing"))?;
        let editions = match editions {
            Some(e) if !e.is_none() => items(e, "editions", |x| {
                crate::errors::text(x, "editions").map(|t| t.into_owned())
            })?,
            _ => Vec::new(),
        };
        let job_licences = match job_licences {
            Some(j) if !j.is_none() => items(j, "job_licences", |x| {
                let (t, n): (Bound<'_, PyAny>, Bound<'_, PyAny>) = x.extract().map_err(|_| {
                    crate::errors::bad_argument("job_licences", "expected (job_type, count) pairs")
                })?;
                Ok(JobLicences {
                    job_type: crate::errors::text(&t, "job_licences")?.into_owned(),
                    count: u32_arg(&n, "job_licences")?,
                })
            })?,
            _ => Vec::new(),
        };
        let licences_per_key = match licences_per_key {
            Some(l) if !l.is_none() => u32_arg(l, "licences_per_key")?,
            _ => 1,
        };
        Ok(PyProduct {
            inner: Product {
                id,
                name: crate::errors::text(name, "name")?.into_owned(),
                key_type: crate::errors::text(key_type, "key_type")?.into_owned(),
                licence_type,
                licensing,
                editions,
                job_licences,
                licences_per_key,
            },
        })
    }
    /// Product id (0-63).
    #[getter]
    fn id(&self) -> u8 {
        self.inner.id.get()
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn key_type(&self) -> &str {
        &self.inner.key_type
    }
    #[getter]
    fn licence_type(&self) -> PyLicenceType {
        self.inner.licence_type.into()
    }
    #[getter]
    fn licensing(&self) -> PyLicensing {
        self.inner.licensing.into()
    }
    #[getter]
    fn editions(&self) -> Vec<String> {
        self.inner.editions.clone()
    }
    #[getter]
    fn job_licences(&self) -> Vec<PyJobLicences> {
        self.inner
            .job_licences
            .iter()
            .cloned()
            .map(Into::into)
            .collect()
    }
    #[getter]
    fn licences_per_key(&self) -> u32 {
        self.inner.licences_per_key
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }
    fn to_json(&self) -> PyResult<String> {
        to_json_text(&self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "Product(id={}, name={:?})",
            self.inner.id.get(),
            self.inner.name
        )
    }
}

/// The products a ledger knows, by id (0-63).
#[pyclass(frozen, name = "Catalog", module = "keyledger")]
pub(crate) struct PyCatalog {
    pub(crate) inner: Catalog,
}

#[pymethods]
impl PyCatalog {
    /// A catalog of these products, checked (unique ids and names, at least one licence per key).
    #[new]
    #[pyo3(signature = (products=None))]
    fn new(products: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut c = Catalog::new();
        if let Some(p) = products.filter(|p| !p.is_none()) {
            for product in items(p, "products", |x| {
                x.cast::<PyProduct>()
                    .map(|p| p.get().inner.clone())
                    .map_err(|_| crate::errors::bad_argument("products", "expected Product items"))
            })? {
                c.add(product).map_err(to_py)?;
            }
        }
        Ok(PyCatalog { inner: c })
    }

    /// The StorageCraft preset: ShadowProtect for MSP, ImageManager, and two legacy products.
    #[staticmethod]
    fn storagecraft() -> Self {
        PyCatalog {
            inner: storagecraft().clone(),
        }
    }

    /// Reads a catalog written by :meth:`to_json` (raises FormatError / CatalogError).
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        let raw: Catalog = serde_json::from_str(&t)
            .map_err(|e| to_py(keyledger::format::FormatError::from_json_error(&e)))?;
        let mut c = Catalog::new();
        for p in raw.products() {
            c.add(p.clone()).map_err(to_py)?;
        }
        Ok(PyCatalog { inner: c })
    }

    #[getter]
    fn products(&self) -> Vec<PyProduct> {
        self.inner
            .products()
            .iter()
            .map(|p| PyProduct { inner: p.clone() })
            .collect()
    }

    /// The product with this id, or None.
    fn get(&self, product_id: &Bound<'_, PyAny>) -> PyResult<Option<PyProduct>> {
        let id = ProductId::new(u32_arg(product_id, "product_id")?).map_err(to_py)?;
        Ok(self.inner.get(id).map(|p| PyProduct { inner: p.clone() }))
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }
    fn to_json(&self) -> PyResult<String> {
        to_json_text(&self.inner)
    }
    fn __repr__(&self) -> String {
        let names: Vec<&str> = self
            .inner
            .products()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        format!("Catalog({names:?})")
    }
}

/// Parses a key leniently; raises ``MalformedKeyError`` (``position``, ``character``),
/// ``TypoError``...
#[pyfunction]
fn parse_key(text: &Bound<'_, PyAny>) -> PyResult<PyProductKey> {
    key_arg(text, "text").map(PyProductKey::from)
}

/// Checks a typed key without any secret: form, typo check, version, product.
#[pyfunction]
#[pyo3(signature = (text, catalog=None))]
fn check_key(text: &Bound<'_, PyAny>, catalog: Option<&Bound<'_, PyAny>>) -> PyResult<PyKeyCheck> {
    let t = key_text(text, "text")?;
    let c = catalog_ref(catalog, "catalog")?;
    Ok(PyKeyCheck::new(core_check_key(&c, t.as_str()), &t))
}

/// Makes and verifies product keys. Holds secrets by id (0-15) for rotation; never shows them.
#[pyclass(name = "Issuer", module = "keyledger")]
pub(crate) struct PyIssuer {
    pub(crate) inner: Issuer,
}

#[pymethods]
impl PyIssuer {
    #[new]
    #[pyo3(signature = (secret, secret_id=None))]
    fn new(secret: &Bound<'_, PyAny>, secret_id: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let id = match secret_id {
            Some(i) if !i.is_none() => u32_arg(i, "secret_id")?,
            _ => 0,
        };
        Ok(PyIssuer {
            inner: Issuer::new(id, &bytes_arg(secret, "secret")?).map_err(to_py)?,
        })
    }

    /// Adds a secret (not active until :meth:`set_active`).
    fn add_secret(
        &mut self,
        secret_id: &Bound<'_, PyAny>,
        secret: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let id = u32_arg(secret_id, "secret_id")?;
        self.inner
            .add_secret(id, &bytes_arg(secret, "secret")?)
            .map_err(to_py)
    }

    /// Makes a held secret the one new keys are made under.
    fn set_active(&mut self, secret_id: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .set_active(u32_arg(secret_id, "secret_id")?)
            .map_err(to_py)
    }

    /// Forgets a retired secret: its keys no longer verify.
    fn remove_secret(&mut self, secret_id: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .remove_secret(u32_arg(secret_id, "secret_id")?)
            .map_err(to_py)
    }

    /// Ids of the secrets held.
    #[getter]
    fn secret_ids(&self) -> Vec<u32> {
        self.inner.secret_ids().into_iter().map(u32::from).collect()
    }

    /// Id of the secret new keys are made under.
    #[getter]
    fn active_secret(&self) -> u8 {
        self.inner.active_secret()
    }

    /// How many keys one :meth:`generate_batch` may make (default 10).
    #[getter]
    fn get_max_per_request(&self) -> u32 {
        self.inner.max_per_request()
    }

    #[setter]
    fn set_max_per_request(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .set_max_per_request(u32_arg(value, "max_per_request")?)
            .map_err(to_py)
    }

    /// The key for (active secret, product, serial): deterministic.
    fn generate(
        &self,
        product: &Bound<'_, PyAny>,
        serial: &Bound<'_, PyAny>,
    ) -> PyResult<PyProductKey> {
        let key = self
            .inner
            .generate(product_arg(product)?, u32_arg(serial, "serial")?)
            .map_err(to_py)?;
        Ok(key.into())
    }

    /// ``quantity`` keys with consecutive serials: one console request (limit: max_per_request).
    fn generate_batch(
        &self,
        product: &Bound<'_, PyAny>,
        first_serial: &Bound<'_, PyAny>,
        quantity: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyProductKey>> {
        let keys = self
            .inner
            .generate_batch(
                product_arg(product)?,
                u32_arg(first_serial, "first_serial")?,
                u32_arg(quantity, "quantity")?,
            )
            .map_err(to_py)?;
        Ok(keys.into_iter().map(Into::into).collect())
    }

    /// Parses and verifies the tag; raises NotGenuineError, UnknownSecretError, ...
    fn verify(&self, key: &Bound<'_, PyAny>) -> PyResult<PyProductKey> {
        let k = key_arg(key, "key")?;
        self.inner.verify(&k).map_err(to_py)?;
        Ok(k.into())
    }

    /// The full check (form, typo, product, tag) as a value.
    #[pyo3(signature = (text, catalog=None))]
    fn check(
        &self,
        text: &Bound<'_, PyAny>,
        catalog: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyKeyCheck> {
        let t = key_text(text, "text")?;
        let c = catalog_ref(catalog, "catalog")?;
        Ok(PyKeyCheck::new(self.inner.check(&c, t.as_str()), &t))
    }

    /// Many full checks in one call: the same answers as :meth:`check`, one per text.
    #[pyo3(signature = (texts, catalog=None))]
    fn check_many<'py>(
        &self,
        texts: &Bound<'py, PyAny>,
        catalog: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Vec<PyKeyCheck>> {
        let py = texts.py();
        let c = catalog_ref(catalog, "catalog")?;
        // One Python string per product name, shared by every check of the batch.
        let mut names: [Option<Py<PyString>>; 64] = std::array::from_fn(|_| None);
        items(texts, "texts", |x| {
            let t = key_text(x, "texts")?;
            // A key that parses, is genuine and is a catalog product: the core's answer is
            // `KeyCheck::genuine`, built when read. Anything else: the core's check as it is.
            if let Ok(key) = self.inner.parse_and_verify(t.as_str()) {
                if let Some(p) = c.get(key.product()) {
                    let slot = &mut names[usize::from(key.product().get()) % 64];
                    let product = slot
                        .get_or_insert_with(|| PyString::intern(py, &p.name).unbind())
                        .clone_ref(py);
                    return Ok(PyKeyCheck {
                        repr: CheckRepr::Genuine { key, product },
                    });
                }
            }
            Ok(PyKeyCheck::new(self.inner.check(&c, t.as_str()), &t))
        })
    }

    /// Many verifications in one call: the code of each ("ok" or an error code).
    fn verify_many(&self, texts: &Bound<'_, PyAny>) -> PyResult<Vec<&'static str>> {
        items(texts, "texts", |x| {
            let t = key_text(x, "texts")?;
            Ok(match self.inner.parse_and_verify(t.as_str()) {
                Ok(_) => "ok",
                Err(e) => e.code(),
            })
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Issuer(secret_ids={:?}, active={}, secrets=<redacted>)",
            self.inner.secret_ids(),
            self.inner.active_secret()
        )
    }
}

pub(crate) const STUBS: &[&str] = &[PyLicenceType::STUB, PyLicensing::STUB, PyJobLicences::STUB];

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_key, m)?)?;
    m.add_function(wrap_pyfunction!(check_key, m)?)?;
    m.add_class::<PyProductKey>()?;
    m.add_class::<PyKeyCheck>()?;
    m.add_class::<PyIssuer>()?;
    m.add_class::<PyProduct>()?;
    m.add_class::<PyCatalog>()?;
    m.add_class::<PyLicenceType>()?;
    m.add_class::<PyLicensing>()?;
    m.add_class::<PyJobLicences>()?;
    m.add("SHADOWPROTECT_MSP", presets::SHADOWPROTECT_MSP.get())?;
    m.add("IMAGEMANAGER", presets::IMAGEMANAGER.get())?;
    m.add("LEGACY_SHADOWPROTECT", presets::LEGACY_SHADOWPROTECT.get())?;
    m.add("LEGACY_IMAGEMANAGER", presets::LEGACY_IMAGEMANAGER.get())?;
    Ok(())
}
