//! The sandbox console in a real headless Chromium, driven over `WebDriver` (chromedriver,
//! spoken to with reqwest): load the page, paste the key, see the calls, add one, see it
//! appear, see it in querybasiccallinfo's view, end it, see its record and track. A
//! screenshot of each step is kept under `target/console-screenshots/`. Chromium and its
//! driver are installed with apt-get when missing (as root), never skipped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::{AK, SK, TestApp, spawn_app};

/// The W3C `WebDriver` element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Installs Chromium and chromedriver when either is missing.
fn ensure_chromium() {
    let present = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if present("chromium") && present("chromedriver") {
        return;
    }
    let install = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|status| status.success())
    };
    let installed =
        install(&["update"]) && install(&["install", "-y", "chromium", "chromium-driver"]);
    assert!(
        installed && present("chromium") && present("chromedriver"),
        "the console test needs chromium and chromium-driver: apt-get install chromium chromium-driver (as root)"
    );
}

/// A chromedriver process, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, url }
    }
}

/// One browser session.
struct Browser {
    http: reqwest::Client,
    session: String,
    shots: PathBuf,
    step: usize,
}

impl Browser {
    async fn open(driver: &Driver) -> Self {
        let http = reqwest::Client::new();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"]
            }
        }}});
        let answer: Value = http
            .post(format!("{}/session", driver.url))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        let shots =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            http,
            session: format!("{}/session/{session}", driver.url),
            shots,
            step: 0,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn element(&self, css: &str) -> String {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let element = self.element(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let element = self.element(css).await;
        self.command(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Waits until the text of `css` passes `passes`; returns it.
    async fn wait_for(&self, what: &str, css: &str, passes: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let shown = self.text(css).await;
            if passes(&shown) {
                return shown;
            }
            let status = self.text("#status").await;
            assert!(
                Instant::now() < deadline,
                "{what}: {css} shows {shown:?} (status: {status})"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Clicks `css` until the text of `shows` passes `passes` (the call table is made
    /// afresh every second, so a row found may be replaced before the click lands).
    async fn click_until(&self, css: &str, shows: &str, passes: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.click(css).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now_showing = self.text(shows).await;
            if passes(&now_showing) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "clicking {css}: {shows} shows {now_showing:?}"
            );
        }
    }

    /// Saves a screenshot of this step.
    async fn screenshot(&mut self, name: &str) {
        self.step += 1;
        let png = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        std::fs::write(
            self.shots.join(format!("{:02}-{name}.png", self.step)),
            bytes,
        )
        .unwrap();
    }

    async fn close(&self) {
        self.command(reqwest::Method::DELETE, "", None).await;
    }
}

#[actix_web::test]
async fn the_console_shows_the_calls_adds_one_ends_it_and_shows_its_record() {
    ensure_chromium();
    let app: TestApp = spawn_app().await;
    let driver = Driver::start();
    let mut browser = Browser::open(&driver).await;
    browser.go(&app.url("/console")).await;
    browser
        .wait_for("the page", "h1", |text| text.contains("sandbox console"))
        .await;
    browser.screenshot("loaded").await;

    browser.type_into("#ak", AK).await;
    browser.type_into("#sk", SK).await;
    browser.click("#use-key").await;
    let calls = browser
        .wait_for("the demo calls", "#call-count", |text| {
            text.starts_with('(') && text != "(0)"
        })
        .await;
    assert!(
        browser.text("#agents").await.contains("101"),
        "idle demo agents are listed"
    );
    browser.screenshot("calls").await;

    let call_id = "1764547200000-424242";
    browser.type_into("#add-call-id", call_id).await;
    browser.click("#add-button").await;
    browser
        .wait_for("the added call", "#calls", |text| text.contains(call_id))
        .await;
    assert_ne!(browser.text("#call-count").await, calls, "one call more");
    browser.screenshot("added").await;

    browser
        .click_until(
            &format!("#calls tr[data-call-id=\"{call_id}\"]"),
            "#view",
            |text| text.contains("\"0100000\"") && text.contains("13800000000"),
        )
        .await;
    browser.screenshot("selected").await;

    browser.type_into("#end-cause", "16").await;
    browser.click("#end-button").await;
    let record = browser
        .wait_for("the record", "#record", |text| text.contains(call_id))
        .await;
    assert!(record.contains("\"releaseCause\": 16"), "{record}");
    let track = browser.text("#track").await;
    assert!(track.contains("\"callIdNum\": -1"), "{track}");
    browser
        .wait_for("the call gone", "#calls", |text| !text.contains(call_id))
        .await;
    let log = browser.text("#log").await;
    assert!(
        log.contains("curl -s --cacert tls/ca.pem -X DELETE -H 'Authorization: auth-v2/"),
        "{log}"
    );
    assert!(
        log.contains("/sandbox/v1/calls?ccId=1&vdn=1&callId="),
        "{log}"
    );
    browser.screenshot("ended").await;
    browser.close().await;
}
