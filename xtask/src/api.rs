//! `cargo xtask api`: the published crates' documentation builds as docs.rs builds it, and
//! their public API is exactly what `docs/public-api/<crate>.txt` lists.
//!
//! The docs are built with `cargo doc --no-deps` and `RUSTDOCFLAGS="-D warnings --cfg
//! docsrs"`, default features, as docs.rs would. The API is read from that output (stable
//! rustdoc has no JSON): every module, re-export and item reachable from the crate root,
//! each item's declaration (fields and variants included), its inherent methods and
//! associated items with their signatures, and the traits it implements, auto traits
//! included (blanket implementations are left out: they follow from the others). A
//! change shows as a difference to the checked-in list; `--bless` writes the list anew once
//! the change is meant, so a public API change is always a reviewed diff of that file.
//! Hidden items (`#[doc(hidden)]`) are not in the docs and so not in the list: they are no
//! part of the promise.
//!
//! Once a version is on crates.io (`LAST_RELEASE`), `cargo semver-checks` also compares
//! the crates with that release, installed on first use.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};

use crate::command::{cargo, has_cargo_subcommand, run_checked, target_dir, workspace_root};
use crate::package::PUBLISHED;

/// The last version of the published crates on crates.io: the baseline of
/// `cargo semver-checks`. `None` until the first release; `docs/releasing.md` says when to
/// set it.
const LAST_RELEASE: Option<&str> = None;

/// Options of `cargo xtask api`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Write `docs/public-api/*.txt` from the current docs instead of comparing.
    #[arg(long)]
    pub(crate) bless: bool,
}

/// Builds the docs (warnings are errors), then compares or writes the API lists.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let mut doc = cargo();
    doc.args(["doc", "--no-deps", "--locked"]);
    for package in PUBLISHED {
        doc.args(["-p", package]);
    }
    let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    flags.push_str(" -D warnings --cfg docsrs");
    doc.env("RUSTDOCFLAGS", flags.trim());
    run_checked(doc)?;

    let root = workspace_root();
    let doc_dir = target_dir().join("doc");
    let mut changed = Vec::new();
    for package in PUBLISHED {
        let krate = package.replace('-', "_");
        let api = public_api(&doc_dir.join(&krate), &krate)?;
        let path = root.join("docs/public-api").join(format!("{package}.txt"));
        let text = format!(
            "# The public API of {package}, read from its rustdoc by `cargo xtask api`.\n\
             # A change here is a change of the crate's promise: review it, then\n\
             # `cargo xtask api --bless` (see docs/releasing.md for the version it needs).\n\
             {api}"
        );
        if args.bless {
            std::fs::create_dir_all(path.parent().context("a file without a folder")?)?;
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("xtask: wrote {}", path.display());
            continue;
        }
        let listed = std::fs::read_to_string(&path).unwrap_or_default();
        if listed == text {
            eprintln!("xtask: the public API of {package} is as listed");
        } else {
            eprintln!(
                "xtask: the public API of {package} differs from {}:\n{}",
                path.display(),
                difference(&listed, &text)
            );
            changed.push(package);
        }
    }
    if !changed.is_empty() {
        bail!(
            "the public API of {} changed; if that is meant, run `cargo xtask api --bless` \
             and commit docs/public-api/",
            changed.join(" and ")
        );
    }
    if let Some(baseline) = LAST_RELEASE {
        semver_checks(baseline)?;
    } else {
        eprintln!("xtask: no release on crates.io yet: cargo semver-checks starts with the first");
    }
    Ok(())
}

/// `cargo semver-checks` of the published crates against `baseline` on crates.io.
fn semver_checks(baseline: &str) -> anyhow::Result<()> {
    if !has_cargo_subcommand("semver-checks") {
        eprintln!("xtask: cargo-semver-checks is missing; installing it (once)");
        let mut install = cargo();
        install.args(["install", "--locked", "cargo-semver-checks"]);
        run_checked(install)?;
    }
    let mut check = cargo();
    check.args(["semver-checks", "--baseline-version", baseline]);
    for package in PUBLISHED {
        check.args(["-p", package]);
    }
    run_checked(check)
}

/// The public API of the crate documented in `dir` (`target/doc/<crate>`), one line per
/// module, re-export, item, declaration line and member, in a stable order.
fn public_api(dir: &Path, krate: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    modules(dir, krate, &mut out)?;
    let all = read(&dir.join("all.html"))?;
    for (href, path) in all_items(&all) {
        // "signing/struct.SignedRequest.html" is a struct.
        let file = href.rsplit('/').next().unwrap_or(&href);
        let kind = file.split('.').next().unwrap_or("item");
        let page = read(&dir.join(&href))?;
        let _ = writeln!(out, "{kind} {krate}::{path}");
        for line in item_lines(&page) {
            let _ = writeln!(out, "  {line}");
        }
    }
    Ok(out)
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Every public module under the crate root (depth first), each with its re-exports.
fn modules(dir: &Path, path: &str, out: &mut String) -> anyhow::Result<()> {
    let page = read(&dir.join("index.html"))?;
    let _ = writeln!(out, "mod {path}");
    for reexport in reexports(&page) {
        let _ = writeln!(out, "  {reexport}");
    }
    for child in child_modules(&page) {
        modules(&dir.join(&child), &format!("{path}::{child}"), out)?;
    }
    Ok(())
}

/// `(href, path)` of each item `all.html` lists: `("struct.Client.html", "Client")`.
fn all_items(all: &str) -> Vec<(String, String)> {
    let list = section(all, "main-content").unwrap_or(all);
    let mut items = Vec::new();
    let mut rest = list;
    while let Some(start) = rest.find("<li><a href=\"") {
        rest = &rest[start + "<li><a href=\"".len()..];
        let Some(end) = rest.find('"') else { break };
        let href = rest[..end].to_owned();
        let Some(close) = rest.find("</a>") else {
            break;
        };
        let label = rest[..close].split_once('>').map_or("", |(_, label)| label);
        items.push((href, text_of(label)));
        rest = &rest[close..];
    }
    items
}

/// The `pub use` lines of a module page's "Re-exports" section.
fn reexports(page: &str) -> Vec<String> {
    let Some(body) = h2_section(page, "reexports") else {
        return Vec::new();
    };
    elements(body, "<code>", "</code>")
        .map(|code| one_line(&text_of(code)))
        .collect()
}

/// The names of the modules a module page lists (its "Modules" section).
fn child_modules(page: &str) -> Vec<String> {
    let Some(body) = h2_section(page, "modules") else {
        return Vec::new();
    };
    elements(body, "<a class=\"mod\" href=\"", "\"")
        .filter_map(|href| href.strip_suffix("/index.html"))
        .filter(|name| !name.contains('/') && !name.starts_with('.'))
        .map(str::to_owned)
        .collect()
}

/// An item page as lines: its declaration, then per implementation block its header
/// and, for inherent blocks, its members; trait implementations and auto traits as
/// headers only; blanket implementations left out.
fn item_lines(page: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(declaration) = between(
        page,
        "<pre class=\"rust item-decl\"><code>",
        "</code></pre>",
    ) {
        lines.extend(
            text_of(declaration)
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    for (id, body) in h2_sections(page) {
        let members = id == "implementations" || id.starts_with("deref-methods");
        let headers_only = matches!(
            id,
            "trait-implementations"
                | "synthetic-implementations"
                | "implementors"
                | "foreign-impls"
        );
        if !members && !headers_only {
            continue;
        }
        for (level, header) in code_headers(body) {
            match level {
                3 => lines.push(one_line(&text_of(header))),
                _ if members => lines.push(format!("  {}", one_line(&text_of(header)))),
                _ => {}
            }
        }
    }
    lines
}

/// The `<h2 id=...>` sections of a page, each with its text up to the next one.
fn h2_sections(page: &str) -> Vec<(&str, &str)> {
    let mut sections = Vec::new();
    let marker = "<h2 id=\"";
    let mut starts: Vec<usize> = page.match_indices(marker).map(|(i, _)| i).collect();
    starts.push(page.len());
    for pair in starts.windows(2) {
        let text = &page[pair[0] + marker.len()..pair[1]];
        if let Some(end) = text.find('"') {
            sections.push((&text[..end], &text[end..]));
        }
    }
    sections
}

fn h2_section<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    h2_sections(page)
        .into_iter()
        .find(|(found, _)| *found == id)
        .map(|(_, body)| body)
}

/// The text after the element with `id` (the whole rest of the page).
fn section<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    page.find(&format!("id=\"{id}\"")).map(|i| &page[i..])
}

/// The `<h3 class="code-header">` and `<h4 ...>` contents of `body`, in order.
fn code_headers(body: &str) -> Vec<(u8, &str)> {
    let mut headers = Vec::new();
    let mut rest = body;
    loop {
        let h3 = rest.find("<h3 class=\"code-header\">");
        let h4 = rest.find("<h4 class=\"code-header\">");
        let (level, start) = match (h3, h4) {
            (Some(a), Some(b)) if a < b => (3, a),
            (Some(_) | None, Some(b)) => (4, b),
            (Some(a), None) => (3, a),
            (None, None) => break,
        };
        let open = "<h3 class=\"code-header\">".len();
        let close = if level == 3 { "</h3>" } else { "</h4>" };
        let inner = &rest[start + open..];
        let Some(end) = inner.find(close) else { break };
        headers.push((level, &inner[..end]));
        rest = &inner[end..];
    }
    headers
}

/// The text between the first `open` and the following `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)?;
    Some(&text[start..start + end])
}

/// Every text between an `open` and the following `close`.
fn elements<'a>(text: &'a str, open: &'a str, close: &'a str) -> impl Iterator<Item = &'a str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(open)? + open.len();
        let end = rest[start..].find(close)?;
        let found = &rest[start..start + end];
        rest = &rest[start + end..];
        Some(found)
    })
}

/// The text of an HTML fragment: "Show N variants" toggles and tags dropped, block ends
/// and line breaks as new lines, entities decoded.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        if tag.starts_with("summary") {
            rest = rest
                .find("</summary>")
                .map_or("", |i| &rest[i + "</summary>".len()..]);
        } else if tag == "/div" || tag.starts_with("br") {
            text.push('\n');
        }
    }
    text.push_str(rest);
    decode_entities(&text)
}

/// `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&nbsp;` and numeric entities.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let entity = rest.find(';').map(|end| (&rest[1..end], end));
        let decoded = entity.and_then(|(name, end)| {
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end))
        });
        if let Some((c, end)) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A signature on one line: whitespace runs as one space, none inside brackets' edges,
/// no trailing comma before a closing bracket.
fn one_line(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .replace("( ", "(")
        .replace(", )", ")")
        .replace(",)", ")")
        .replace(" )", ")")
}

/// What differs between the listed and the current API, item by item: `-` for a line
/// only listed, `+` for a line only in the docs.
fn difference(listed: &str, current: &str) -> String {
    let blocks = |text: &str| {
        let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut item = String::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if line.starts_with(' ') {
                blocks
                    .entry(item.clone())
                    .or_default()
                    .push(line.to_owned());
            } else {
                line.clone_into(&mut item);
                blocks.entry(item.clone()).or_default();
            }
        }
        blocks
    };
    let (old, new) = (blocks(listed), blocks(current));
    let mut out = String::new();
    for (item, old_lines) in &old {
        match new.get(item) {
            None => {
                let _ = writeln!(out, "- {item}");
            }
            Some(new_lines) if new_lines != old_lines => {
                let _ = writeln!(out, "  {item}");
                for line in old_lines.iter().filter(|l| !new_lines.contains(l)) {
                    let _ = writeln!(out, "-{line}");
                }
                for line in new_lines.iter().filter(|l| !old_lines.contains(l)) {
                    let _ = writeln!(out, "+{line}");
                }
            }
            Some(_) => {}
        }
    }
    for (item, lines) in &new {
        if !old.contains_key(item) {
            let _ = writeln!(out, "+ {item}");
            for line in lines {
                let _ = writeln!(out, "+{line}");
            }
        }
    }
    if out.is_empty() {
        // Same items and lines in another order, or only the header differs.
        out.push_str("  (order or header only)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct page in the shape rustdoc 1.95 writes, cut down.
    const PAGE: &str = concat!(
        r#"<pre class="rust item-decl"><code><div class="code-attribute">#[non_exhaustive]</div>pub enum E {"#,
        "\n",
        r#"<details class="toggle type-contents-toggle"><summary class="hideme"><span>Show 2 variants</span></summary>    A,"#,
        "\n",
        r#"    B(<a class="primitive" href="x">u8</a>),"#,
        "\n",
        r#"</details>}</code></pre>"#,
        r#"<h2 id="implementations" class="section-header">Implementations</h2>"#,
        r#"<section id="impl-E" class="impl"><h3 class="code-header">impl <a href="e">E</a></h3></section>"#,
        r#"<section id="method.new" class="method"><h4 class="code-header">pub fn <a href="n">new</a>("#,
        "\n    value: &amp;<a>str</a>,\n",
        r#") -&gt; Result&lt;Self, ()&gt;</h4></section>"#,
        r#"<h2 id="trait-implementations" class="section-header">Trait Implementations</h2>"#,
        r#"<section class="impl"><h3 class="code-header">impl Debug for E</h3></section>"#,
        r#"<section class="method trait-impl"><h4 class="code-header">fn fmt(&amp;self)</h4></section>"#,
        r#"<h2 id="synthetic-implementations" class="section-header">Auto Trait Implementations</h2>"#,
        r#"<section class="impl"><h3 class="code-header">impl Send for E</h3></section>"#,
        r#"<h2 id="blanket-implementations" class="section-header">Blanket Implementations</h2>"#,
        r#"<section class="impl"><h3 class="code-header">impl&lt;T&gt; Any for T</h3></section>"#,
    );

    #[test]
    fn an_item_page_gives_its_declaration_members_and_implemented_traits() {
        assert_eq!(
            item_lines(PAGE),
            [
                "#[non_exhaustive]",
                "pub enum E {",
                "    A,",
                "    B(u8),",
                "}",
                "impl E",
                "  pub fn new(value: &str) -> Result<Self, ()>",
                "impl Debug for E",
                "impl Send for E",
            ]
        );
    }

    #[test]
    fn entities_and_tags_are_read_as_text() {
        assert_eq!(
            text_of("a&lt;b&gt; &amp;&#39;x&#x27; &nbsp;<b>c</b>&unknown"),
            "a<b> &'x'  c&unknown"
        );
    }

    #[test]
    fn all_items_lists_links_with_their_paths() {
        let all = r#"<section id="main-content"><ul class="all-items"><li><a href="struct.Client.html">Client</a></li><li><a href="signing/fn.sign_request.html">signing::<wbr>sign_request</a></li></ul>"#;
        assert_eq!(
            all_items(all),
            [
                ("struct.Client.html".to_owned(), "Client".to_owned()),
                (
                    "signing/fn.sign_request.html".to_owned(),
                    "signing::sign_request".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn module_pages_give_reexports_and_child_modules() {
        let page = concat!(
            r#"<h2 id="reexports">Re-exports</h2><dl><dt><code>pub use <a class="mod" href="../m/index.html">m</a> as model;</code></dt></dl>"#,
            r#"<h2 id="modules">Modules</h2><dl><dt><a class="mod" href="signing/index.html">signing</a></dt></dl>"#,
            r#"<h2 id="structs">Structs</h2>"#,
        );
        assert_eq!(reexports(page), ["pub use m as model;"]);
        assert_eq!(child_modules(page), ["signing"]);
    }

    #[test]
    fn a_difference_names_the_item_and_the_lines() {
        let listed = "# header\nstruct a::A\n  impl A\n    pub fn old()\nstruct a::Gone\n";
        let current = "# header\nstruct a::A\n  impl A\n    pub fn new()\nfn a::f\n  pub fn f()\n";
        assert_eq!(
            difference(listed, current),
            "  struct a::A\n-    pub fn old()\n+    pub fn new()\n- struct a::Gone\n+ fn a::f\n+  pub fn f()\n"
        );
    }
}
