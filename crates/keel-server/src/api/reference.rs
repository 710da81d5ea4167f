//! A browsable API reference rendered from the OpenAPI document itself, served from the binary:
//! no CDN, no JavaScript, so it works offline and cannot drift from the routes.

use serde_json::Value;
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = v.get("items") {
        return format!("array of {}", schema_name(items));
    }
    if let Some(one) = v.get("oneOf").and_then(Value::as_array) {
        return one.iter().map(schema_name).collect::<Vec<_>>().join(" | ");
    }
    match v.get("type") {
        Some(Value::String(t)) => {
            let fmt = v
                .get("format")
                .and_then(Value::as_str)
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            let en = v
                .get("enum")
                .and_then(Value::as_array)
                .map(|e| {
                    format!(
                        ": {}",
                        e.iter()
                            .filter_map(Value::as_str)
                            .map(esc)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .unwrap_or_default();
            format!("{t}{fmt}{en}")
        }
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".into(),
    }
}

/// The reference page as HTML.
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut h = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} reference</title><style>\
body{{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1b1f24}}\
code,pre{{font-family:ui-monospace,monospace}}h2{{margin-top:2.5rem;border-bottom:1px solid #ddd}}\
.op{{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0}}\
.m{{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}}\
.get{{color:#0a6}}.post{{color:#06c}}.patch{{color:#a60}}.delete{{color:#c22}}.put{{color:#a60}}\
table{{border-collapse:collapse;margin:.4rem 0}}td,th{{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left;vertical-align:top}}\
</style></head><body><h1>{t} reference</h1><p>{d}</p><p>Machine-readable: <a href=\"openapi.json\">openapi.json</a> (OpenAPI {v}). Base path: <code>/api/v1</code>.</p>",
        t = esc(title),
        d = esc(doc["info"]["description"].as_str().unwrap_or("")),
        v = esc(doc["openapi"].as_str().unwrap_or("3")),
    );
    let tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or("").to_string(),
                        t["description"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    for (tag, description) in &tags {
        let _ = write!(
            h,
            "<h2 id=\"tag-{0}\">{0}</h2><p>{1}</p>",
            esc(tag),
            esc(description)
        );
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let in_tag = op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x.as_str() == Some(tag)));
                if !in_tag {
                    continue;
                }
                let _ = write!(
                    h,
                    "<div class=\"op\"><div><span class=\"m {m}\">{m}</span> <code>{p}</code></div><p>{s}</p>",
                    m = method,
                    p = esc(path),
                    s = esc(op["description"].as_str().or(op["summary"].as_str()).unwrap_or("")),
                );
                if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                    h.push_str(
                        "<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>",
                    );
                    for p in params {
                        let _ = write!(
                            h,
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(p["name"].as_str().unwrap_or("")),
                            esc(p["in"].as_str().unwrap_or("")),
                            schema_name(&p["schema"]),
                            esc(p["description"].as_str().unwrap_or("")),
                        );
                    }
                    h.push_str("</table>");
                }
                if let Some(body) =
                    op["requestBody"]["content"]["application/json"]["schema"].as_object()
                {
                    let _ = write!(
                        h,
                        "<p>Body: {}</p>",
                        schema_name(&Value::Object(body.clone()))
                    );
                }
                if let Some(resps) = op["responses"].as_object() {
                    h.push_str("<table><tr><th>status</th><th>body</th><th></th></tr>");
                    for (status, r) in resps {
                        let body = r["content"]
                            .as_object()
                            .and_then(|c| c.values().next())
                            .map(|c| schema_name(&c["schema"]))
                            .unwrap_or_default();
                        let _ = write!(
                            h,
                            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(status),
                            body,
                            esc(r["description"].as_str().unwrap_or(""))
                        );
                    }
                    h.push_str("</table>");
                }
                h.push_str("</div>");
            }
        }
    }
    h.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            let _ = write!(h, "<h3 id=\"schema-{0}\">{0}</h3>", esc(name));
            if let Some(d) = s["description"].as_str() {
                let _ = write!(h, "<p>{}</p>", esc(d));
            }
            if let Some(props) = s["properties"].as_object() {
                let required: Vec<&str> = s["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                h.push_str("<table><tr><th>field</th><th>type</th><th></th></tr>");
                for (field, p) in props {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            " *"
                        } else {
                            ""
                        },
                        schema_name(p),
                        esc(p["description"].as_str().unwrap_or("")),
                    );
                }
                h.push_str("</table>");
            } else {
                let _ = write!(h, "<p>{}</p>", schema_name(s));
            }
        }
    }
    h.push_str("</body></html>");
    h
}
