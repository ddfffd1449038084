// ---- errors -------------------------------------------------------------------------------------
// `ErrorCode` is generated with the other declarations (bindings-wasm/tests/ts_export.rs), from
// `keyledger::Error::CODES` (the `#[code]` of each variant) and the binding's own `JS_CODES`.
/** The codes of the product-key errors (also the `code` of a `KeyCheck` that is not usable). */
export type KeyErrorCode = Extract<ErrorCode, `key.${string}`>;
/** The facts each code carries, as fields of the thrown error (camelCase); codes not listed carry
 * their Rust variant's fields, read as `unknown`. */
export interface ErrorFields {
    "key.malformed": { found?: number; position?: number; character?: string };
    "key.unsupported_version": { version: number };
    "key.unknown_product": { product: number };
    "key.unknown_secret": { secretId: number };
    "key.duplicate_secret": { secretId: number };
    "key.active_secret": { secretId: number };
    "key.too_many": { requested: number; max: number };
    "key.serial_range": { serial: number; max: number };
    "key.weak_secret": { len: number; min: number };
    "key.secret_id_range": { secretId: number; max: number };
    "catalog.product_id_range": { id: number; max: number };
    "catalog.duplicate_product": { id: number; existing: string };
    "format.corrupt": { line: number; column: number };
    "format.wrong_format": { expected: string; found: string };
    "format.future_version": { found: number; supported: number };
    "js.bad_argument": { argument: string; expected: string };
    "js.unsafe_integer": { value: string };
}
/** One thrown error of a code: an `Error` named "KeyledgerError" with the code's fields. */
export type KeyledgerErrorOf<C extends ErrorCode> = Error & { name: "KeyledgerError"; code: C } &
    (C extends keyof ErrorFields ? ErrorFields[C] : { readonly [field: string]: unknown });
/** Every thrown error: narrow on `code` to read its fields,
 * e.g. `if (e.code === "key.malformed") e.position`. */
export type KeyledgerError = { [C in ErrorCode]: KeyledgerErrorOf<C> }[ErrorCode];
/** Whether a caught value is a keyledger error (an `Error` named "KeyledgerError" with a code). */
export declare function isKeyledgerError(value: unknown): value is KeyledgerError;
