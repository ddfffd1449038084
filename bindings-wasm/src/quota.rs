//! Quota accounting for JavaScript: the `QuotaBook` class (the subscription control panel).
//!
//! Commands and events are the Rust serde form (`{type: "create_user", ...}`, tagged `type` like
//! the ledger's), as plain objects.

use crate::args::{self, document};
use crate::errors::{output, to_js};
use keyledger::quota::{QuotaBook, QuotaEvent};
use serde::Serialize;
use wasm_bindgen::prelude::*;

const COMMAND: &str = "a quota command {type: \"create_subscription\" | ..., ...}";

/// A view and its text rendering.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Serialize)]
pub(crate) struct Rendered<V> {
    view: V,
    text: String,
}

/// Subscriptions with licence and GB pools, users, licences, groups, partners and resellers
/// (JS class `QuotaBook`).
#[wasm_bindgen(js_name = QuotaBook)]
pub struct JsQuotaBook {
    inner: QuotaBook,
}

impl Default for JsQuotaBook {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen(js_class = QuotaBook)]
impl JsQuotaBook {
    /// `new QuotaBook()`: an empty book.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsQuotaBook {
        JsQuotaBook {
            inner: QuotaBook::new(),
        }
    }

    /// `QuotaBook.fromJson(text)`: a book saved with `toJson()`.
    ///
    /// # Errors
    /// `format.corrupt`, `format.wrong_format`, `format.future_version`, `js.bad_argument`.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JsQuotaBook, JsValue> {
        let text = args::string(&text, "text")?;
        Ok(JsQuotaBook {
            inner: QuotaBook::from_json(&text).map_err(to_js)?,
        })
    }

    /// `toJson()`: the whole state as the versioned JSON document.
    ///
    /// # Errors
    /// `format.write` (never in practice).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> Result<String, JsValue> {
        self.inner.to_json().map_err(to_js)
    }

    /// `QuotaBook.replay(events)`: the book a log of events produces.
    ///
    /// # Errors
    /// `quota.event_gap`, `quota.event_conflict` and the other refusals of `apply`,
    /// `js.bad_argument`.
    pub fn replay(
        #[wasm_bindgen(unchecked_param_type = "QuotaEvent[] | string")] events: JsValue,
    ) -> Result<JsQuotaBook, JsValue> {
        let events: Vec<QuotaEvent> = document(&events, "events", "a list of quota events")?;
        Ok(JsQuotaBook {
            inner: QuotaBook::replay(&events).map_err(to_js)?,
        })
    }

    /// `execute(command, now)`: decides and applies a command; returns its events. A refused
    /// command (a limit would be exceeded, an unknown user...) changes nothing.
    ///
    /// # Errors
    /// The quota's coded errors (`quota.limit_exceeded`, ...), `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "QuotaEvent[]")]
    pub fn execute(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "QuotaCommand")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        output(&crate::log::execute(&mut self.inner, &command, &now, COMMAND)?.events)
    }

    /// `decide(command, now)`: the events a command would cause, without applying them.
    ///
    /// # Errors
    /// As `execute`.
    #[wasm_bindgen(unchecked_return_type = "QuotaEvent[]")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "QuotaCommand")] command: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        crate::log::decide(&self.inner, &command, &now, COMMAND)
    }

    /// `apply(event)`: `"new"` or `"duplicate"`.
    ///
    /// # Errors
    /// `quota.event_gap`, `quota.event_conflict`, `quota.invalid_event` (an event that names
    /// what the book does not have), `js.bad_argument`.
    #[wasm_bindgen(unchecked_return_type = "\"new\" | \"duplicate\"")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "QuotaEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        crate::log::apply(&mut self.inner, &event, "a quota event")
    }

    /// The id the next event gets.
    #[wasm_bindgen(getter = nextEventId)]
    pub fn next_event_id(&self) -> f64 {
        self.inner.next_event_id() as f64
    }

    /// `subscriptionIds()`: every subscription, in id order.
    #[wasm_bindgen(js_name = subscriptionIds, unchecked_return_type = "string[]")]
    pub fn subscription_ids(&self) -> Vec<String> {
        self.inner
            .subscription_ids()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// `accountView(subscription)`: the customer's account page, `{view, text}`.
    ///
    /// # Errors
    /// `quota.unknown_subscription`, `js.bad_argument`.
    #[wasm_bindgen(js_name = accountView, unchecked_return_type = "Rendered<AccountView>")]
    pub fn account_view(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] subscription: JsValue,
    ) -> Result<JsValue, JsValue> {
        let id = args::string(&subscription, "subscription")?;
        let view = self.inner.account_view(&id).map_err(to_js)?;
        let text = view.text();
        output(&Rendered { view, text })
    }

    /// `resellerView(reseller)`: a reseller's customers, `{view, text}`.
    ///
    /// # Errors
    /// `quota.unknown_reseller`, `js.bad_argument`.
    #[wasm_bindgen(js_name = resellerView, unchecked_return_type = "Rendered<ResellerView>")]
    pub fn reseller_view(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] reseller: JsValue,
    ) -> Result<JsValue, JsValue> {
        let id = args::string(&reseller, "reseller")?;
        let view = self.inner.reseller_view(&id).map_err(to_js)?;
        let text = view.text();
        output(&Rendered { view, text })
    }

    /// `refreshReport(subscription)`: the counters recomputed from the licences, with any drift.
    ///
    /// # Errors
    /// `quota.unknown_subscription`, `js.bad_argument`.
    #[wasm_bindgen(js_name = refreshReport, unchecked_return_type = "RefreshReport")]
    pub fn refresh_report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] subscription: JsValue,
    ) -> Result<JsValue, JsValue> {
        let id = args::string(&subscription, "subscription")?;
        output(&self.inner.refresh_report(&id).map_err(to_js)?)
    }
}
