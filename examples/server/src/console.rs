//! The demo console page, compiled in from `bindings-wasm/www` and served under `/console/`.
//! The page and its style are the in-browser console's; its script is replaced by
//! `examples/server/console-api.js`, the API mode, which talks to `/v1/...` (the in-browser mode
//! stays as it is in `bindings-wasm/www`).

const FILES: &[(&str, &str, &str)] = &[
    (
        "console.html",
        "text/html; charset=utf-8",
        include_str!("../../../bindings-wasm/www/console.html"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../console-api.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../../../bindings-wasm/www/console.css"),
    ),
];

/// A served file: content type and text.
pub fn file(name: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, ct, body)| (*ct, *body))
}
