//! Documents: frozen native classes over core values, with a getter per field.
//!
//! `document!` declares a `#[pyclass(frozen)]` holding the core value, one `#[getter]` per field
//! (converted on access: `datetime` for instants, `Decimal` for money, native classes for nested
//! documents, Python enums for enums), `to_dict()` / `to_json()` for storage, and the lines of its
//! stub (`STUB`), from which `python/keyledger/__init__.pyi` is generated (`stubs.py`).

/// Declares a document class. See the module docs.
macro_rules! document {
    (
        $(#[$m:meta])*
        $name:ident($core:ty) as $py:literal, $doc:literal {
            $( $field:ident: $ty:ty => $pyty:literal = |$s:ident| $e:expr; )*
        }
        $( extra_stub $stub:literal; )?
        $( methods { $($extra:tt)* } )?
    ) => {
        $(#[$m])*
        #[doc = $doc]
        #[pyo3::pyclass(frozen, name = $py, module = "keyledger")]
        pub(crate) struct $name {
            pub(crate) inner: $core,
        }

        impl $name {
            #[allow(dead_code)]
            pub(crate) const STUB: &'static str = concat!(
                "class ", $py, ":\n    \"\"\"", $doc, "\"\"\"\n",
                $( "    @property\n    def ", stringify!($field), "(self) -> ", $pyty, ": ...\n", )*
                "    def to_dict(self) -> dict[str, Any]: ...\n",
                "    def to_json(self) -> str: ...\n",
                $( $stub, )?
            );
        }

        impl From<$core> for $name {
            fn from(inner: $core) -> Self {
                $name { inner }
            }
        }

        #[pyo3::pymethods]
        impl $name {
            $(
                #[getter]
                fn $field(&self) -> $ty {
                    let $s = &self.inner;
                    $e
                }
            )*

            /// The document as plain Python values (the core's serde shape), for storage.
            fn to_dict<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                crate::errors::to_dict(py, &self.inner)
            }

            /// The document as JSON text (the core's serde shape), for storage and logs.
            fn to_json(&self) -> pyo3::PyResult<String> {
                crate::errors::to_json_text(&self.inner)
            }

            fn __repr__(&self) -> String {
                match crate::errors::to_json_text(&self.inner) {
                    Ok(j) if j.len() <= 400 => format!("{}({})", $py, j),
                    Ok(j) => format!("{}({}...)", $py, &j[..j.char_indices().take_while(|(i, _)| *i < 400).last().map(|(i, _)| i).unwrap_or(0)]),
                    Err(_) => format!("{}(...)", $py),
                }
            }

            $( $($extra)* )?
        }
    };
}

/// Declares a Python enum (`#[pyclass(eq, eq_int)]`) mirroring a core enum, with `value` (the
/// core's serde name) and conversions both ways.
macro_rules! py_enum {
    (
        $name:ident($core:ty) as $py:literal, $doc:literal {
            $( $variant:ident = $pyname:literal / $value:literal => $corev:pat => $coreback:expr, )*
        }
        $( extra_stub $stub:literal; )?
        $( methods { $($extra:tt)* } )?
    ) => {
        #[doc = $doc]
        #[pyo3::pyclass(eq, eq_int, frozen, hash, name = $py, module = "keyledger")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub(crate) enum $name {
            $( #[pyo3(name = $pyname)] $variant, )*
        }

        impl $name {
            #[allow(dead_code)]
            pub(crate) const STUB: &'static str = concat!(
                "class ", $py, ":\n    \"\"\"", $doc, "\"\"\"\n",
                $( "    ", $pyname, ": ClassVar[", $py, "]\n", )*
                "    @property\n    def value(self) -> str: ...\n",
                $( $stub, )?
            );

            #[allow(dead_code)]
            pub(crate) fn to_core(self) -> $core {
                match self {
                    $( $name::$variant => $coreback, )*
                }
            }
        }

        impl From<$core> for $name {
            #[allow(unreachable_patterns)]
            fn from(c: $core) -> Self {
                match c {
                    $( $corev => $name::$variant, )*
                }
            }
        }

        #[pyo3::pymethods]
        impl $name {
            /// The stable name (the core's serde spelling).
            #[getter]
            fn value(&self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )*
                }
            }

            fn __str__(&self) -> &'static str {
                self.value()
            }

            $( $($extra)* )?
        }
    };
}

pub(crate) use document;
pub(crate) use py_enum;
