//! The partner pages of `refgen build` end to end: golden copies of one partner's pages,
//! escaping of everything a program's text can hold, and who can see whose private path.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refcenter_model::{DiskFiles, Secret, load};
use refcenter_tests::{TEST_SECRET, assert_golden, build, fixtures, private_paths, repo_root, snapshot};

/// `code -> private folder token`, read from the admin's list.
fn tokens(out: &Path) -> BTreeMap<String, String> {
    private_paths(out)
        .into_iter()
        .map(|(code, path)| {
            let token = path.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();
            assert_eq!(token.len(), 32, "{path}");
            (code, token)
        })
        .collect()
}

fn sample_build() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    build(&repo_root().join("partners.toml"), &out);
    (dir, out)
}

#[test]
fn one_partners_pages_match_the_golden_files() {
    let (_dir, out) = sample_build();
    let token = tokens(&out)["samantha"].clone();
    let downline = Secret::from_text(TEST_SECRET).unwrap().downline_token("samantha");
    let golden = fixtures().join("build/pages");
    let pages = [
        ("public/index.html".to_owned(), "index.html"),
        (format!("public/p/{token}/index.html"), "samantha/index.html"),
        (format!("public/p/{token}/emails/welcome/index.html"), "samantha/emails-welcome.html"),
        (format!("public/p/{token}/pages/getting-started/index.html"), "samantha/pages-getting-started.html"),
        (format!("public/p/{token}/banners/index.html"), "samantha/banners.html"),
        (format!("public/p/{token}/stats/index.html"), "samantha/stats.html"),
        (format!("public/p/{token}/commission/index.html"), "samantha/commission.html"),
        (format!("public/p/{downline}/index.html"), "samantha/downline.html"),
        ("private/partner-access.csv".to_owned(), "partner-access.csv"),
    ];
    for (file, name) in pages {
        let actual = std::fs::read_to_string(out.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let path = golden.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        assert_golden(&path, &actual);
    }
}

#[test]
fn every_private_page_is_noindex_and_the_public_index_lists_no_partner() {
    let (_dir, out) = sample_build();
    let files = snapshot(&out.join("public/p"));
    assert!(files.len() >= 20, "every active partner has pages");
    for (path, bytes) in &files {
        if path.extension().is_some_and(|e| e == "html") {
            let html = String::from_utf8_lossy(bytes);
            assert!(html.contains(r#"<meta name="robots" content="noindex, nofollow">"#), "{}", path.display());
            assert!(html.contains(r#"<meta name="referrer""#), "{}", path.display());
            assert!(
                !html.contains("src=\"http") && !html.contains("stylesheet\" href=\"http"),
                "{} loads from elsewhere",
                path.display()
            );
        }
    }
    let index = std::fs::read_to_string(out.join("public/index.html")).unwrap();
    let program = load(&DiskFiles::new(repo_root()), Path::new("partners.toml")).unwrap().program;
    for partner in program.partners() {
        assert!(!index.contains(&partner.name), "the public index names {}", partner.name);
    }
    let robots = std::fs::read_to_string(out.join("public/robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /p/") && robots.contains("Disallow: /go/"), "{robots}");
    // An inactive partner gets no pages.
    assert!(!tokens(&out).contains_key("retired"));
}

#[test]
fn a_partner_sees_no_private_path_but_its_own_and_downline_pages_only_below_it() {
    let (_dir, out) = sample_build();
    let tokens = tokens(&out);
    let program = load(&DiskFiles::new(repo_root()), Path::new("partners.toml")).unwrap().program;
    let tree = program.tree();
    let secret = Secret::from_text(TEST_SECRET).unwrap();
    let downline: BTreeMap<String, String> =
        program.partners().iter().map(|p| (p.code.to_string(), secret.downline_token(p.code.as_str()))).collect();
    let all = snapshot(&out);
    let in_folder = |token: &str| -> Vec<(&PathBuf, String)> {
        let dir = Path::new("public/p").join(token);
        all.iter()
            .filter(|(p, _)| p.starts_with(&dir))
            .map(|(p, b)| (p, String::from_utf8_lossy(b).into_owned()))
            .collect()
    };
    // Which downline pages a page may link to: a partner's pages to its own, a downline page to
    // those of the partner's children.
    let check = |whose: &str, pages: &[(&PathBuf, String)], may_link: &[&str]| {
        for (path, html) in pages {
            for (other, token) in &tokens {
                assert!(
                    !html.contains(token.as_str()),
                    "{} ({whose}) holds the private path of {other}",
                    path.display()
                );
            }
            for (other, token) in &downline {
                let linked = html.contains(token.as_str());
                assert!(
                    !linked || may_link.contains(&other.as_str()),
                    "{} ({whose}) links to {other}'s downline page",
                    path.display()
                );
            }
        }
    };
    let mut folders = 0;
    for (viewer, own) in &tokens {
        let pages = in_folder(own);
        assert!(pages.len() >= 4, "{viewer} has its pages");
        check(viewer, &pages, &[viewer.as_str()]);
        folders += 1;
    }
    for (code, token) in &downline {
        let pages = in_folder(token);
        let children: Vec<&str> = tree.children(code).iter().map(|c| c.as_str()).collect();
        check(&format!("{code}'s downline page"), &pages, &children);
        folders += usize::from(!pages.is_empty());
    }
    // samantha and aapex have active partners below them; nothing else is under public/p.
    assert!(!in_folder(&downline["samantha"]).is_empty() && !in_folder(&downline["aapex"]).is_empty());
    let listed: std::collections::BTreeSet<_> =
        all.keys().filter_map(|p| p.strip_prefix("public/p").ok()?.components().next()).collect();
    assert_eq!(listed.len(), folders, "every folder under public/p is a partner's or a downline page");
    // Outside the private folders, no published file and no redirect file holds a token.
    for (path, bytes) in &all {
        if path.starts_with("public/p") || path.starts_with("private") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for (code, token) in &tokens {
            assert!(!text.contains(token.as_str()), "{} holds the private path of {code}", path.display());
        }
    }
    // The secret itself is nowhere.
    for (path, bytes) in &all {
        assert!(!String::from_utf8_lossy(bytes).contains(TEST_SECRET), "{} holds the secret", path.display());
    }
}

/// Text a partner or admin might type, that must stay text everywhere.
const NASTY: &str = r#"<script>alert("x")</script> O'Neil & {{ 7*7 }}"#;

#[test]
fn names_and_descriptions_are_text_on_every_page_and_in_the_generator_data() {
    let dir = tempfile::tempdir().unwrap();
    let program = format!(
        r#"
[program]
name = {nasty:?}
base_url = "https://go.example.com"
fallback_url = "https://example.com/"

[[links]]
code = "home"
name = {nasty:?}
destination = "https://example.com/"
description = {nasty:?}

[[partners]]
code = "parent"
name = {nasty:?}

[[partners.ads]]
code = "ad1"
name = {nasty:?}
description = {nasty:?}
media = "web"
start = 2024-01-01

[[partners]]
code = "child"
name = {nasty:?}
parent = "parent"
"#,
        nasty = NASTY
    );
    std::fs::write(dir.path().join("partners.toml"), program).unwrap();
    let content = dir.path().join("content/pages");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("hello.md"),
        "+++\ntitle = \"Hello\"\n+++\n\nFrom {{ partner.name }}: {{ link(code=\"home\") }}\n",
    )
    .unwrap();
    let out = dir.path().join("output");
    build(&dir.path().join("partners.toml"), &out);

    let html_pages: Vec<(PathBuf, String)> = snapshot(&out.join("public"))
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect();
    assert!(html_pages.len() >= 5);
    for (path, html) in &html_pages {
        assert!(!html.contains("<script>alert"), "{} holds a live script", path.display());
        assert!(!html.contains("&amp; 49"), "{} evaluated a template in a name", path.display());
    }
    let parent_page = html_pages
        .iter()
        .find(|(p, h)| {
            p.starts_with("p") && p.ends_with("index.html") && h.contains("id=\"link-data\"") && h.contains("ad1")
        })
        .map(|(_, h)| h.clone())
        .unwrap();
    // As text in an element and in an attribute.
    assert!(parent_page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Neil &amp; {{ 7*7 }}"));
    assert!(parent_page.contains("aria-label=\"Tracking link for &lt;script&gt;alert(&quot;x&quot;)"));
    // In the generator's data: no `<` at all, and the exact text once parsed.
    let start = parent_page.find("<script type=\"application/json\" id=\"link-data\">").unwrap();
    let rest = &parent_page[start..];
    let json = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    assert!(!json.contains('<') && !json.contains('&'), "{json}");
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["who"][0]["name"], NASTY);
    assert_eq!(data["who"][0]["ads"][0]["name"], NASTY);
    assert_eq!(data["who"][1]["name"], NASTY);
    // A resource page filled in with the partner's name shows it as text.
    let resource = html_pages.iter().find(|(p, _)| p.ends_with("pages/hello/index.html")).map(|(_, h)| h).unwrap();
    assert!(resource.contains("From &lt;script&gt;alert("), "{resource}");
}

#[test]
fn single_page_puts_each_partner_center_in_one_file_with_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    refcenter_tests::copy_sample(&program);
    let config = program.join("partners.toml");
    let toml = std::fs::read_to_string(&config).unwrap().replace("[program]\n", "[program]\nsingle_page = true\n");
    std::fs::write(&config, toml).unwrap();
    let out = dir.path().join("output");
    build(&config, &out);
    let tokens = tokens(&out);
    let private = snapshot(&out.join("public/p"));
    // One file per active partner, plus the downline pages of samantha and aapex.
    assert_eq!(private.len(), tokens.len() + 2, "{:?}", private.keys().collect::<Vec<_>>());
    let page = String::from_utf8(private[&Path::new(&tokens["samantha"]).join("index.html")].clone()).unwrap();
    for (id, what) in [
        ("email-welcome", "Healthier hair starts here"),
        ("page-getting-started", "<article class=\"resource\">"),
        ("banners", "banner-leaderboard-code"),
        ("stats", "No statistics yet"),
        ("commission", "id=\"plan\">Founding partners<"),
        ("ledger", "id=\"no-ledger\""),
    ] {
        let start = page.find(&format!("<section id=\"{id}\" class=\"part\"")).unwrap_or_else(|| panic!("no {id}"));
        let section = &page[start..start + page[start..].find("\n</section>\n").unwrap()];
        assert!(section.contains(what), "{id} lacks {what}: {section}");
    }
    for href in ["#commission", "#ledger", "#stats", "#email-welcome", "#page-getting-started", "#banner-leaderboard"] {
        assert!(page.contains(&format!("href=\"{href}\"")), "no link to {href}");
    }
    // Every id on the page is unique, and every in-page link has its target.
    let ids: Vec<&str> = page.split(" id=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    for target in page.split("href=\"#").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
        assert!(unique.contains(target), "#{target} points nowhere");
    }
}
