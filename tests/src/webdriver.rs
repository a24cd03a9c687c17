//! Just enough of the W3C WebDriver protocol to drive Debian's headless Chromium through
//! chromedriver from the tests: open a page, find elements, click, read values and text, take
//! an element's screenshot. Downloads land in `<work>/downloads`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::http::{Response, request_json};
use crate::servers::{self, Server};

/// The key of an element reference in WebDriver responses.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; the browser quits when it is dropped.
pub struct Browser {
    driver: Server,
    session: String,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

fn value(response: std::io::Result<Response>, what: &str) -> Value {
    let response = response.unwrap_or_else(|e| panic!("webdriver {what}: {e}"));
    let body: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("webdriver {what}: {e}: {}", String::from_utf8_lossy(&response.body)));
    assert_eq!(response.status, 200, "webdriver {what}: {body}");
    body["value"].clone()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, with JavaScript on or off.
    pub fn start(work: &Path, javascript: bool) -> Browser {
        let port = servers::free_port();
        let mut cmd = Command::new("chromedriver");
        cmd.arg(format!("--port={port}"));
        let driver = servers::start_command("chromedriver", cmd, ([127, 0, 0, 1], port).into(), work);
        let profile = work.join(if javascript { "profile-js" } else { "profile-nojs" });
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        // Content setting 2 blocks scripts on every site.
        let prefs = json!({
            "profile.default_content_setting_values.javascript": if javascript { 1 } else { 2 },
            "download.default_directory": work.join("downloads"),
            "download.prompt_for_download": false,
            // A page may start several downloads without asking.
            "profile.default_content_setting_values.automatic_downloads": 1,
        });
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args, "prefs": prefs }
        }}});
        let v = value(request_json(driver.addr, "POST", "/session", &caps.to_string()), "new session");
        let session = v["sessionId"].as_str().expect("a session id").to_owned();
        Browser { driver, session }
    }

    fn addr(&self) -> SocketAddr {
        self.driver.addr
    }

    fn post(&self, path: &str, body: Value, what: &str) -> Value {
        value(request_json(self.addr(), "POST", &format!("/session/{}{path}", self.session), &body.to_string()), what)
    }

    fn get(&self, path: &str, what: &str) -> Value {
        value(request_json(self.addr(), "GET", &format!("/session/{}{path}", self.session), ""), what)
    }

    /// Opens `url`.
    pub fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url }), "open");
    }

    /// The first element matching the CSS `selector`.
    pub fn find(&self, selector: &str) -> Element<'_> {
        let v = self.post("/element", json!({ "using": "css selector", "value": selector }), selector);
        let id = v[ELEMENT].as_str().unwrap_or_else(|| panic!("{selector}: no element reference in {v}"));
        Element { browser: self, id: id.to_owned() }
    }

    /// The value of the JavaScript function body `script` run in the page.
    pub fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }), "script")
    }

    /// Every element matching the CSS `selector`.
    pub fn find_all(&self, selector: &str) -> Vec<Element<'_>> {
        let v = self.post("/elements", json!({ "using": "css selector", "value": selector }), selector);
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str())
                    .map(|id| Element { browser: self, id: id.to_owned() })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Element<'_> {
    /// Clicks it (for an `<option>`, selects it).
    pub fn click(&self) {
        self.browser.post(&format!("/element/{}/click", self.id), json!({}), "click");
    }

    /// Empties a text field.
    pub fn clear(&self) {
        self.browser.post(&format!("/element/{}/clear", self.id), json!({}), "clear");
    }

    /// Types `text` into it.
    pub fn send_keys(&self, text: &str) {
        self.browser.post(&format!("/element/{}/value", self.id), json!({ "text": text }), "send keys");
    }

    /// A DOM property, such as `value`.
    pub fn property(&self, name: &str) -> Value {
        self.browser.get(&format!("/element/{}/property/{name}", self.id), name)
    }

    /// Its rendered text.
    pub fn text(&self) -> String {
        self.browser.get(&format!("/element/{}/text", self.id), "text").as_str().unwrap_or_default().to_owned()
    }

    /// A PNG screenshot of it, as the browser draws it.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.browser.get(&format!("/element/{}/screenshot", self.id), "screenshot");
        base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default()).expect("a base64 PNG")
    }

    /// Whether it is shown.
    pub fn is_displayed(&self) -> bool {
        self.browser.get(&format!("/element/{}/displayed", self.id), "displayed").as_bool().unwrap_or(false)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request_json(self.addr(), "DELETE", &format!("/session/{}", self.session), "");
    }
}
