//! A small W3C WebDriver client over plain HTTP, enough to drive Debian's chromium through
//! chromedriver for screenshots: a session, navigation, window size, finding elements, typing,
//! clicking, running a script and taking a PNG.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running chromedriver and one headless browser session in it. Both end on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
}

/// The key W3C uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Starts chromedriver on `port` and opens a headless chromium of `width` × `height`.
    pub async fn start(port: u16, width: u32, height: u32) -> anyhow::Result<Self> {
        let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or("chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("cannot start chromedriver (apt-get install chromium-driver): {e}")
            })?;
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.status().is_success() {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut browser = Browser {
            http,
            base,
            session: String::new(),
            driver,
        };
        if !ready {
            anyhow::bail!("chromedriver did not answer on port {port}");
        }
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            format!("--window-size={width},{height}"),
        ];
        if let Ok(bin) = std::env::var("CHROMIUM") {
            args.push(format!("--binary={bin}"));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": args}
        }}});
        let v = browser.call("POST", "/session", Some(caps)).await?;
        browser.session = v["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no session id in {v}"))?
            .to_string();
        Ok(browser)
    }

    /// One WebDriver command; returns its `value`, or the WebDriver error as an error.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let resp = req.send().await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            anyhow::bail!("WebDriver {method} {path}: {status} {}", v["value"]);
        }
        Ok(v["value"].clone())
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.call("POST", &self.at("/url"), Some(json!({"url": url})))
            .await
            .map(|_| ())
    }

    pub async fn set_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.call(
            "POST",
            &self.at("/window/rect"),
            Some(json!({"width": width, "height": height})),
        )
        .await
        .map(|_| ())
    }

    pub async fn script(&self, script: &str) -> anyhow::Result<Value> {
        self.call(
            "POST",
            &self.at("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The element matching a CSS selector.
    pub async fn find(&self, css: &str) -> anyhow::Result<String> {
        let v = self
            .call(
                "POST",
                &self.at("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        v[ELEMENT]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no element for {css}"))
    }

    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let el = self.find(css).await?;
        self.call(
            "POST",
            &self.at(&format!("/element/{el}/value")),
            Some(json!({"text": text})),
        )
        .await
        .map(|_| ())
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let el = self.find(css).await?;
        self.call("POST", &self.at(&format!("/element/{el}/click")), None)
            .await
            .map(|_| ())
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        Ok(self
            .call("GET", &self.at("/url"), None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let v = self.call("GET", &self.at("/screenshot"), None).await?;
        decode_base64(v.as_str().unwrap_or_default())
    }

    /// A PNG of the whole page: the window grows to the document's height first (capped).
    pub async fn full_page(&self, width: u32, min_height: u32) -> anyhow::Result<Vec<u8>> {
        let h = self
            .script("return Math.ceil(document.documentElement.scrollHeight)")
            .await?
            .as_u64()
            .unwrap_or(min_height as u64) as u32;
        self.set_size(width, h.clamp(min_height, 6000)).await?;
        let png = self.screenshot().await?;
        self.set_size(width, min_height).await?;
        Ok(png)
    }

    /// Ends the session and chromedriver.
    pub async fn quit(mut self) {
        let _ = self.call("DELETE", &self.at(""), None).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Standard base64 (with padding), as WebDriver sends screenshots.
pub fn decode_base64(s: &str) -> anyhow::Result<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        let mut count = 0;
        for &c in chunk {
            if c == b'=' {
                break;
            }
            n = (n << 6) | val(c).ok_or_else(|| anyhow::anyhow!("not base64"))?;
            count += 1;
        }
        n <<= 6 * (4 - count);
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..count.max(1)]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(super::decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(super::decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(super::decode_base64("YWJj").unwrap(), b"abc");
    }
}
