//! `Page`: a web page parsed as a browser would (through `scraper`), so that tests assert on what
//! a person sees (the text of an element, a link's target, a form's fields, a table's cells)
//! rather than on substrings of markup that also match attributes, comments or escaping.

use scraper::{ElementRef, Html, Selector};

/// A parsed page. Every query takes a CSS selector.
pub struct Page {
    html: String,
    doc: Html,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

/// An element's text as shown: its text nodes joined, runs of whitespace collapsed to one space.
pub fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page {
    pub fn parse(html: &str) -> Self {
        Self {
            html: html.to_string(),
            doc: Html::parse_document(html),
        }
    }

    /// The markup, for failure messages.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// Whether `css` selects anything.
    pub fn has(&self, css: &str) -> bool {
        self.doc.select(&selector(css)).next().is_some()
    }

    /// The text of the first element `css` selects; fails when there is none.
    pub fn text(&self, css: &str) -> String {
        let e = self
            .doc
            .select(&selector(css))
            .next()
            .unwrap_or_else(|| panic!("nothing matches {css} in {}", self.html));
        text_of(e)
    }

    /// The texts of every element `css` selects.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.doc.select(&selector(css)).map(text_of).collect()
    }

    /// Everything the page shows in its body, as one line of text.
    pub fn body(&self) -> String {
        self.text("body")
    }

    /// Whether `what` is anywhere a person or a screen reader could meet it: in the text of the
    /// page (title included) or in an attribute's value (a field's value, a link's target, a
    /// label). The check for something that must be ABSENT.
    pub fn mentions(&self, what: &str) -> bool {
        let in_text = self
            .doc
            .root_element()
            .text()
            .collect::<String>()
            .contains(what);
        in_text
            || self
                .doc
                .select(&selector("*"))
                .any(|e| e.value().attrs().any(|(_, v)| v.contains(what)))
    }

    /// Attribute `name` of the first element `css` selects.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.doc
            .select(&selector(css))
            .next()
            .and_then(|e| e.value().attr(name))
            .map(str::to_string)
    }

    /// Attribute `name` of every element `css` selects that has it.
    pub fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        self.doc
            .select(&selector(css))
            .filter_map(|e| e.value().attr(name))
            .map(str::to_string)
            .collect()
    }

    /// Every link's target.
    pub fn links(&self) -> Vec<String> {
        self.attrs("a[href]", "href")
    }

    /// Whether some link leads to `href`.
    pub fn links_to(&self, href: &str) -> bool {
        self.links().iter().any(|l| l == href)
    }

    /// The value a form would send for field `name`: an input's value (a checkbox or radio only
    /// when checked), a textarea's text, a select's selected option. `None` when no such field.
    pub fn field(&self, name: &str) -> Option<String> {
        let css = format!("[name=\"{name}\"]");
        let mut found = false;
        for e in self.doc.select(&selector(&css)) {
            found = true;
            let el = e.value();
            match el.name() {
                "input" => {
                    let kind = el.attr("type").unwrap_or("text");
                    if matches!(kind, "checkbox" | "radio") {
                        if el.attr("checked").is_some() {
                            return Some(el.attr("value").unwrap_or("on").to_string());
                        }
                        continue;
                    }
                    return Some(el.attr("value").unwrap_or_default().to_string());
                }
                "textarea" => return Some(e.text().collect()),
                "select" => {
                    let chosen = e
                        .select(&selector("option[selected]"))
                        .next()
                        .or_else(|| e.select(&selector("option")).next());
                    return Some(
                        chosen
                            .map(|o| {
                                o.value()
                                    .attr("value")
                                    .map_or_else(|| text_of(o), str::to_string)
                            })
                            .unwrap_or_default(),
                    );
                }
                _ => {}
            }
        }
        found.then(String::new)
    }

    /// The values the page's inputs hold (what a form shows as typed).
    pub fn input_values(&self) -> Vec<String> {
        self.attrs("input[value]", "value")
    }

    /// The values of the checked checkboxes and radio buttons.
    pub fn checked_values(&self) -> Vec<String> {
        self.attrs("input[checked]", "value")
    }

    /// The values of the selected options of every select.
    pub fn selected_values(&self) -> Vec<String> {
        self.attrs("option[selected]", "value")
    }

    /// The rows of the table `css` selects, each as its cells' texts.
    pub fn rows(&self, css: &str) -> Vec<Vec<String>> {
        self.doc
            .select(&selector(&format!("{css} tr")))
            .map(|tr| tr.select(&selector("th, td")).map(text_of).collect())
            .collect()
    }

    /// The text of the error shown next to field `id` (`#f-{id}-error`), if any.
    pub fn field_error(&self, id: &str) -> Option<String> {
        self.doc
            // An attribute selector: field ids may hold dots (`f-health.owner_overload`).
            .select(&selector(&format!("[id=\"f-{id}-error\"]")))
            .next()
            .map(text_of)
    }

    /// The CSRF token the page's forms carry; fails when the page has none.
    pub fn csrf(&self) -> String {
        self.attr("input[name=\"csrf_token\"]", "value")
            .unwrap_or_else(|| panic!("no csrf_token in {}", self.html))
    }
}

/// The text of the error shown next to field `id` in `html`, if any.
pub fn field_error(html: &str, id: &str) -> Option<String> {
    Page::parse(html).field_error(id)
}
