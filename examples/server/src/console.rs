//! The demo console page, compiled in from `bindings-wasm/www` and served under `/console/`.
//! Opened from this server it runs in API mode (`console.js` talks to `/v1/...`).

const FILES: &[(&str, &str, &str)] = &[
    (
        "console.html",
        "text/html; charset=utf-8",
        include_str!("../../../bindings-wasm/www/console.html"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../bindings-wasm/www/console.js"),
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
